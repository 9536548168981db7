import FunctionRuntime

/// The functions the shipped `fnhost` binary can run, by their `functions/func2url.json` names.
public enum ShippedFunctions {
    public static var registry: FunctionRegistry {
        FunctionRegistry()
    }
}
