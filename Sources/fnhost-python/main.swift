import PythonRuntime

PythonWorkerCommand.main()
