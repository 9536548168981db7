#if canImport(Glibc)
import Glibc
#endif
import FnhostProject

/// The fnhost checkout this binary was built in (found by walking up from the executable to the
/// folder with `scripts/pg`): the embedded PostgreSQL script, nginx's template and the default run
/// folder of project mode live there.
struct FnhostCheckout {
    let path: String

    var pgScript: String { path + "/scripts/pg" }
    var nginxDirectory: String { path + "/nginx" }
    /// The run folder `make run` uses (`RUN_DIR`'s default).
    var runDirectory: String { path + "/.run" }

    /// The checkout above the running executable, or nil.
    static func current() -> FnhostCheckout? {
        CheckoutLocator.locate(executable: executablePath()) { access($0, F_OK) == 0 }.map(FnhostCheckout.init)
    }

    /// The checkout, or an error that says what to do instead.
    /// - Parameter purpose: what needed it, for the message (`"the embedded PostgreSQL"`).
    static func required(for purpose: String, instead: String) throws(ProjectError) -> FnhostCheckout {
        guard let checkout = current() else {
            throw ProjectError(
                .checkoutNotFound,
                "\(purpose) needs the fnhost checkout (a folder with scripts/pg above \(executablePath())), and there is none: \(instead)")
        }
        return checkout
    }

    static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return CommandLine.arguments.first ?? "fnhost" }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
