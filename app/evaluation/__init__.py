"""Course monitoring and evaluation as participants take part in it: the pre/post knowledge test
and the evaluation surveys (end of each day, end of course), defined as data in
``toolkit_modules/questionnaires/`` and filled through the personal link while a window the
trainers open and close is open.

``questionnaires`` loads and checks the definitions (the toolkit's field types, no second form
engine); ``models`` holds windows, attempts, anonymous responses and their receipts."""
