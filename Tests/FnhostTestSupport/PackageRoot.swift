import Foundation

/// The checkout the tests run from, found from this file's own path (three folders up:
/// `PackageRoot.swift`, `FnhostTestSupport`, `Tests`): fixtures, migrations and scripts are read
/// relative to it.
public enum PackageRoot {
    public static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    public static var path: String { url.path }

    /// `relativePath` inside the checkout, as a URL.
    public static func appending(_ relativePath: String) -> URL {
        url.appendingPathComponent(relativePath)
    }

    /// The project's migrations folder (`db_migrations`).
    public static var migrations: String { path + "/db_migrations" }
}
