/// One stored image of a try-on: step `n`'s output as `<taskId>/step-<n>.<ext>`, with the content
/// type its extension implies (what nginx's `types` answer for the file on disk, so both ways of
/// serving it agree).
public struct ResultFile: Sendable, Equatable {
    public var taskId: String
    /// `step-<n>.<ext>` (n from 1).
    public var name: String
    /// `image/png`, `image/jpeg`, `image/webp` or `image/gif`.
    public var contentType: String
    public var bytes: [UInt8]

    public init(taskId: String, name: String, contentType: String, bytes: [UInt8]) {
        self.taskId = taskId
        self.name = name
        self.contentType = contentType
        self.bytes = bytes
    }

    /// The output of `step` (0-based) of `taskId`: its name from the step and the file's type (the
    /// download's content type, else its magic bytes; png by default).
    public init(taskId: String, step: Int, bytes: [UInt8], downloadedContentType: String?) {
        let fileExtension = Self.fileExtension(contentType: downloadedContentType, bytes: bytes)
        self.init(
            taskId: taskId, name: "step-\(step + 1).\(fileExtension)", contentType: Self.contentType(ofExtension: fileExtension),
            bytes: bytes)
    }

    /// png, jpg, webp or gif from the content type, else from the file's magic bytes; png by default.
    static func fileExtension(contentType: String?, bytes: [UInt8]) -> String {
        let type = contentType?.lowercased() ?? ""
        if type.contains("jpeg") || type.contains("jpg") || bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "jpg" }
        if type.contains("webp") || (bytes.count > 12 && bytes[8..<12].elementsEqual(Array("WEBP".utf8))) { return "webp" }
        if type.contains("gif") || bytes.starts(with: Array("GIF8".utf8)) { return "gif" }
        return "png"
    }

    /// The type nginx's configuration gives files of each extension `fileExtension` picks.
    static func contentType(ofExtension fileExtension: String) -> String {
        switch fileExtension {
        case "jpg": "image/jpeg"
        case "webp": "image/webp"
        case "gif": "image/gif"
        default: "image/png"
        }
    }
}
