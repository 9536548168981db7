#if canImport(Glibc)
import Glibc
#endif
import CPythonSupport

/// The embedded CPython interpreter of this process (one per process, started once): a thin safe
/// layer over `CPythonSupport` that copies every C string out at once and frees it.
public final class PythonInterpreter {
    /// A function of a loaded module, kept referenced for repeated calls.
    public struct Entry: @unchecked Sendable {
        fileprivate let handle: UnsafeMutableRawPointer
    }

    /// Why the interpreter or a call into it failed (a message with Python's traceback).
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Starts the interpreter as `program` (the virtual environment's `bin/python3`).
    public init(program: String) throws(Failure) {
        if let message = fh_python_start(program) { throw Failure(description: Self.take(message)) }
    }

    /// Runs Python source as a new module named `name`.
    public func loadModule(name: String, source: String) throws(Failure) {
        if let message = fh_python_load_module(name, source) { throw Failure(description: Self.take(message)) }
    }

    /// `module.function`, for `call`.
    public func entry(module: String, function: String) throws(Failure) -> Entry {
        var error: UnsafeMutablePointer<CChar>?
        guard let handle = fh_python_lookup(module, function, &error) else {
            throw Failure(description: error.map(Self.take) ?? "\(module).\(function) was not found")
        }
        return Entry(handle: handle)
    }

    /// Calls `entry` with byte-string arguments; it must return bytes.
    public func call(_ entry: Entry, _ arguments: [[UInt8]]) throws(Failure) -> [UInt8] {
        var result: UnsafeMutablePointer<CChar>?
        var length = 0
        let status = Self.withPointers(arguments) { pointers, lengths in
            fh_python_call(entry.handle, pointers, lengths, Int32(arguments.count), &result, &length)
        }
        guard let result else { throw Failure(description: "the call into Python returned nothing (out of memory?)") }
        defer { free(result) }
        let bytes = result.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
        guard status == 0 else { throw Failure(description: String(decoding: bytes, as: UTF8.self)) }
        return bytes
    }

    /// Lends C pointers to every argument's bytes for the duration of `body` (an empty argument
    /// may lend a null pointer with length 0, which the C side accepts).
    private static func withPointers<R>(
        _ arguments: [[UInt8]], _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int>?) -> R
    ) -> R {
        var pointers: [UnsafePointer<CChar>?] = []
        var lengths: [Int] = []
        func lend(_ index: Int) -> R {
            guard index < arguments.count else {
                return pointers.withUnsafeBufferPointer { pointerBuffer in
                    lengths.withUnsafeBufferPointer { body(pointerBuffer.baseAddress, $0.baseAddress) }
                }
            }
            return arguments[index].withUnsafeBufferPointer { buffer in
                pointers.append(buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) })
                lengths.append(buffer.count)
                return lend(index + 1)
            }
        }
        return lend(0)
    }

    private static func take(_ message: UnsafeMutablePointer<CChar>) -> String {
        defer { free(message) }
        return String(cString: message)
    }
}
