#if canImport(Glibc)
import Glibc
#endif
import FnhostProject

/// The local PostgreSQL cluster `make run` uses, driven through the checkout's `scripts/pg` (a
/// cluster in `<folder>` listening on a unix socket only, with the `fnhost` role and database).
struct EmbeddedDatabase {
    let checkout: FnhostCheckout
    /// The cluster's folder (`<run dir>/pg`).
    let folder: String

    /// Whether the cluster is running now.
    func isRunning() -> Bool {
        guard let process = try? StackProcess(
            name: "scripts/pg", [checkout.pgScript, "status", folder], standardOutput: .discard, standardError: .discard)
        else { return false }
        return process.wait() == 0
    }

    /// Starts the cluster (initialising it the first time; nothing happens when it runs) and
    /// returns its `DATABASE_URL`. scripts/pg's notes go to stderr.
    /// - Throws: `.serviceFailed` when scripts/pg fails or prints no URL.
    func start() throws(ProjectError) -> String {
        let process = try StackProcess(name: "scripts/pg", [checkout.pgScript, "start", folder], standardOutput: .pipe)
        let output = process.readAll()
        let status = process.wait()
        guard status == 0 else {
            throw ProjectError(.serviceFailed, "scripts/pg start \(folder) failed (exit \(status)); its messages are above")
        }
        guard let url = output.split(separator: "\n").last.map(String.init), url.hasPrefix("postgresql://") else {
            throw ProjectError(.serviceFailed, "scripts/pg start \(folder) printed no DATABASE_URL")
        }
        return url
    }

    /// Stops the cluster (open sessions are rolled back); errors are ignored.
    func stop() {
        guard let process = try? StackProcess(
            name: "scripts/pg", [checkout.pgScript, "stop", folder], standardOutput: .discard, standardError: .discard)
        else { return }
        process.wait()
    }
}
