#if canImport(Glibc)
import Glibc
#endif

/// Invariant checks inside fuzz targets. A broken invariant is a finding just like a crash: it prints
/// what was expected to standard error and aborts, so libFuzzer saves the input as a crash artifact
/// (and the run fails). Only fuzz targets use this; the product code never aborts on input.
public enum Invariant {
    /// Aborts with `message` when `condition` is false.
    public static func check(
        _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
        file: StaticString = #fileID, line: UInt = #line
    ) {
        if !condition() { fail(message(), file: file, line: line) }
    }

    /// Prints the broken invariant and aborts the process.
    public static func fail(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
        let text = "INVARIANT BROKEN at \(file):\(line): \(message)\n"
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in _ = write(2, buffer.baseAddress, buffer.count) }
        abort()
    }
}
