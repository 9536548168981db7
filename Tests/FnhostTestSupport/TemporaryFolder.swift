import Foundation

/// A throwaway folder under the system's temporary folder, removed with everything inside when the
/// last reference goes.
public final class TemporaryFolder {
    public let url: URL
    public var path: String { url.path }

    /// A new, empty folder named `fnhost-<label>-<random>`.
    public init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("fnhost-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `text` to `relativePath` (its folders made as needed).
    public func write(_ relativePath: String, _ text: String) throws {
        let target = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
    }

    public func remove(_ relativePath: String) throws {
        try FileManager.default.removeItem(at: url.appendingPathComponent(relativePath))
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
