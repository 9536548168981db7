// fnhost-python: the worker program of Python functions (it embeds libpython; `fnhost` does not).
FnhostPythonCommand.main()
