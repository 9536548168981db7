/// A command that could not do its work for a reason outside its command line: a file that cannot
/// be written, a host that does not answer, a socket the kernel refused. ArgumentParser prints it as
/// `Error: <description>` and exits 1, without the usage text a `ValidationError` (a wrong option)
/// gets.
struct CLIError: Error, CustomStringConvertible {
    enum Code: String, Sendable {
        /// A file or folder could not be read, created or written.
        case fileSystem = "file_system"
        /// A running host (its status page) did not answer, or answered something else.
        case hostUnreachable = "host_unreachable"
        /// The kernel refused a socket or a process.
        case system
        /// A setting the command needs from its environment is missing or does not fit the others
        /// (`--cluster` without `DATABASE_URL`).
        case configuration
    }

    var code: Code
    var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    var description: String { message }
}
