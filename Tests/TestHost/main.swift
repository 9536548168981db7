import FnhostCLI
import TestFunctions

// fnhost with the test-only functions: what the integration tests run.
FnhostMain.run(registry: ShippedFunctions.registry.merging(TestFunctions.registry))
