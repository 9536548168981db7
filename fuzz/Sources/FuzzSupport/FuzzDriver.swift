#if canImport(Glibc)
import Glibc
#endif
import CFuzzerDriver

/// Starts libFuzzer from a fuzz target's main.
///
/// The targets are SwiftPM executables, whose `main` SwiftPM owns; so instead of defining
/// `LLVMFuzzerTestOneInput` and letting libFuzzer's own `main` run, each main calls the driver with
/// its test function. The command line is libFuzzer's: `-runs=N`, `-max_total_time=S`, `-dict=FILE`,
/// `-artifact_prefix=DIR/`, corpus folders, or crash files to replay one by one.
public enum FuzzDriver {
    /// Runs libFuzzer with `callback` as the test-one-input function; returns its exit status.
    /// `callback` gets each input as a buffer that lives only for the call.
    public static func run(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32 {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        return LLVMFuzzerRunDriver(&argc, &argv, callback)
    }

    /// The input as a byte array (an empty array for a null pointer).
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }
}
