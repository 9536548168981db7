#if canImport(Glibc)
import Glibc
#endif

/// Where a program the host runs itself (nginx, openssl) is: `preferred` when it is executable
/// there (where Debian's package puts it), else the first folder of `PATH` holding an executable
/// `name`, else `fallback` (running that then fails with a message that names it).
enum ExecutableLookup {
    static func find(_ name: String, preferred: String, fallback: String) -> String {
        if access(preferred, X_OK) == 0 { return preferred }
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        for folder in path.split(separator: ":") where access("\(folder)/\(name)", X_OK) == 0 {
            return "\(folder)/\(name)"
        }
        return fallback
    }
}
