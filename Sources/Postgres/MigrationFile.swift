#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One Flyway-style migration file, `V<NNNN>__<snake_case>.sql` (e.g. `V0001__create_users.sql`).
///
/// The version is the decimal number after `V` (any number of digits; `V0001` is 1); the description is letters,
/// digits and underscores. Repeatable (`R__…`) and undo (`U…`) migrations are not supported: forward-only.
public struct MigrationFile: Sendable, Equatable, Comparable {
    /// The file name, which is also the key in the history table (versions may repeat).
    public let fileName: String
    /// The number after `V`.
    public let version: Int
    /// The part between `__` and `.sql`.
    public let name: String
    /// Full path of the file.
    public let path: String

    /// Application order: version, then file name (so duplicate versions apply in name order).
    public static func < (lhs: MigrationFile, rhs: MigrationFile) -> Bool {
        if lhs.version != rhs.version { return lhs.version < rhs.version }
        return lhs.fileName.utf8.lexicographicallyPrecedes(rhs.fileName.utf8)
    }

    /// Parses a file name; on mismatch returns why, for the "skipped" line of the report.
    public static func parse(fileName: String, in folder: String) -> Result<MigrationFile, SkipReason> {
        let pattern = "V<NNNN>__<snake_case>.sql"
        guard fileName.hasSuffix(".sql") else { return .failure(SkipReason("not a .sql file")) }
        if fileName.hasPrefix("R__") || (fileName.hasPrefix("U") && fileName.dropFirst().first?.isNumber == true) {
            return .failure(SkipReason("repeatable/undo migrations are not supported (forward-only \(pattern))"))
        }
        guard fileName.hasPrefix("V"), let separator = fileName.firstRange(of: "__") else {
            return .failure(SkipReason("name does not match \(pattern)"))
        }
        let digits = fileName[fileName.index(after: fileName.startIndex)..<separator.lowerBound]
        let name = fileName[separator.upperBound..<fileName.index(fileName.endIndex, offsetBy: -4)]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .failure(SkipReason("version after V is not a number (expected \(pattern))"))
        }
        guard let version = Int(digits) else { return .failure(SkipReason("version \(digits) is out of range")) }
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            return .failure(SkipReason("description must be letters, digits and underscores (expected \(pattern))"))
        }
        let path = folder.hasSuffix("/") ? folder + fileName : folder + "/" + fileName
        return .success(MigrationFile(fileName: fileName, version: version, name: String(name), path: path))
    }

    /// Why a folder entry is not a migration.
    public struct SkipReason: Error, Sendable, Equatable {
        public let text: String
        init(_ text: String) { self.text = text }
    }

    /// The folder's migrations in application order, and every other entry with the reason it is skipped
    /// (sorted by name). Sub-folders are skipped too; nothing is read but the listing.
    /// - Throws: `.migrationFailed` when the folder cannot be listed.
    public static func scan(
        folder: String
    ) throws(PostgresError) -> (files: [MigrationFile], skipped: [(fileName: String, reason: String)]) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw PostgresError(code: .migrationFailed, message: "cannot list migrations folder \(folder): \(error)",
                                context: "scan migrations")
        }
        var files: [MigrationFile] = []
        var skipped: [(fileName: String, reason: String)] = []
        for fileName in names.sorted() {
            let path = folder.hasSuffix("/") ? folder + fileName : folder + "/" + fileName
            let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
            if type == .typeDirectory {
                skipped.append((fileName, "is a folder"))
                continue
            }
            switch parse(fileName: fileName, in: folder) {
            case .success(let file): files.append(file)
            case .failure(let reason): skipped.append((fileName, reason.text))
            }
        }
        return (files.sorted(), skipped)
    }

    /// The file's bytes.
    /// - Throws: `.migrationFailed` naming the file when it cannot be read.
    public func contents() throws(PostgresError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PostgresError(code: .migrationFailed, message: "\(fileName): cannot read \(path)",
                                context: "read migration")
        }
        return [UInt8](data)
    }
}
