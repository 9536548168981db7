import FnhostCLI

FnhostMain.run(registry: ShippedFunctions.registry)
