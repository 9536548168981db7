/// Finds the fnhost checkout an executable was built in: the nearest folder above it that holds
/// `scripts/pg` (`<checkout>/.build/<triple>/debug/fnhost` -> `<checkout>`). The embedded PostgreSQL,
/// nginx's template and the default run folder live there.
public enum CheckoutLocator {
    /// The file that marks a checkout.
    public static let marker = "scripts/pg"

    /// Walks up from the executable's folder.
    /// - Parameters:
    ///   - executable: the absolute path of the running binary (`/proc/self/exe`).
    ///   - exists: whether a path exists (injected so the walk is testable without files).
    /// - Returns: the checkout's path, or nil when no folder up to `/` has the marker.
    public static func locate(executable: String, exists: (String) -> Bool) -> String? {
        var components = executable.split(separator: "/").map(String.init)
        guard !components.isEmpty else { return nil }
        components.removeLast()
        while true {
            let folder = "/" + components.joined(separator: "/")
            if exists(ProjectLayout.join(folder, marker)) { return folder }
            guard !components.isEmpty else { return nil }
            components.removeLast()
        }
    }
}
