"""The request layer's shared pieces, used by every feature's views: loading what a URL names
(:mod:`.loaders`), answering with files (:mod:`.files`) and the one registry of template
helpers (:mod:`.templates`). Nothing below the views imports this package."""
