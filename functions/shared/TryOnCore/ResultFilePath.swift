import FunctionRuntime

/// The `<task>/<file>` of a request for a stored image (what follows `/results/`), checked before
/// anything is looked up: exactly two segments, each of letters, digits, `-` and `_` (and `.` in
/// the file name, never first), at most 63 bytes each. Anything else is a 400 naming what is wrong;
/// a well-formed path that names nothing stored is the caller's 404.
public struct ResultFilePath: Sendable, Equatable {
    public var taskId: String
    public var name: String

    /// Longest task id or file name, bytes. 63.
    public static let maxSegmentBytes = 63

    public init(taskId: String, name: String) {
        self.taskId = taskId
        self.name = name
    }

    /// - Throws: `TryOnError` (`invalidRequest`) saying which part is malformed.
    public init(parsing text: String) throws(TryOnError) {
        let segments = text.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count == 2 else {
            throw TryOnError(.invalidRequest, "The path must name a task and a file: /results/<task>/<file>")
        }
        let taskId = String(segments[0])
        let name = String(segments[1])
        guard FunctionCatalog.isValidName(taskId) else {
            throw TryOnError(
                .invalidRequest, "The task id in the path is not valid (1 to 63 letters, digits, - and _)")
        }
        guard Self.isValidFileName(name) else {
            throw TryOnError(
                .invalidRequest, "The file name in the path is not valid (1 to 63 letters, digits, ., - and _, not starting with .)")
        }
        self.init(taskId: taskId, name: name)
    }

    static func isValidFileName(_ name: String) -> Bool {
        guard (1...maxSegmentBytes).contains(name.utf8.count), name.utf8.first != UInt8(ascii: ".") else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }
}
