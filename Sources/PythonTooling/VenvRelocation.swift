/// A virtual environment built in a temporary folder names that folder in a few text files: the
/// `#!` line of every script in `bin/` (pip's own, and each package's console scripts), the
/// `activate` scripts and `pyvenv.cfg`'s `command`. Before the folder is renamed into place those
/// mentions are rewritten to the final path, so the environment works as if built there.
/// (Compiled `.pyc` files need nothing: the import system corrects their recorded paths.)
enum VenvRelocation {
    /// Rewrites `temporary` to `final` in `<temporary>/bin/*` (regular files only: the `python`
    /// links point to the base interpreter) and `<temporary>/pyvenv.cfg`.
    static func relocate(venv temporary: String, to final: String) throws(PythonToolingError) {
        let from = Array(temporary.utf8)
        let to = Array(final.utf8)
        var files = FileTree.names(in: temporary + "/bin").map { "\(temporary)/bin/\($0)" }
        files.append(temporary + "/pyvenv.cfg")
        for file in files where FileTree.isRegularFile(file) {
            try FileTree.replaceInFile(file, from: from, to: to)
        }
    }

    /// `bytes` with every occurrence of `from` replaced by `to`, or nil when there is none.
    static func replacing(_ bytes: [UInt8], from: [UInt8], to: [UInt8]) -> [UInt8]? {
        guard !from.isEmpty, bytes.count >= from.count else { return nil }
        var result: [UInt8] = []
        var index = 0
        var found = false
        while index < bytes.count {
            if bytes[index] == from[0], index + from.count <= bytes.count,
                bytes[index..<(index + from.count)].elementsEqual(from)
            {
                result += to
                index += from.count
                found = true
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return found ? result : nil
    }
}
