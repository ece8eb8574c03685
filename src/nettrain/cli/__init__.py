"""The nettrain command line: one module per command, each parse -> call training -> render."""
