"""pytest set-up for the suite; shared helpers live in ``ewom_testing`` (importable because
this folder is on the path while tests run)."""
