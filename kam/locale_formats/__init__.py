"""Date and number formats per language where Django's own do not suit KAM's readers
(``FORMAT_MODULE_PATH``): ``en`` writes dates as in Britain and Ireland."""
