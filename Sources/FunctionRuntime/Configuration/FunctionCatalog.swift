#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The language a function is written in, which decides the worker program that runs it.
public enum FunctionLanguage: String, Sendable, Equatable {
    /// A `CloudFunction` compiled into the host binary and registered under the function's name.
    case swift
    /// `<name>/index.py` with `handler(event, context)`, run by an embedded CPython.
    case python
}

/// One hosted function: its name, its public uuid and its configuration.
public struct FunctionSpec: Sendable, Equatable {
    /// The `func2url.json` key, also the folder name under `functions/`.
    public var name: String
    /// The uuid of `https://functions.poehali.dev/<uuid>`.
    public var uuid: String
    /// The public URL exactly as `func2url.json` has it.
    public var url: String
    public var configuration: FunctionConfiguration
    /// Python when the function's folder has an `index.py` (it wins over a compiled function of the
    /// same name), else Swift.
    public var language: FunctionLanguage

    public init(
        name: String, uuid: String, url: String, configuration: FunctionConfiguration = FunctionConfiguration(),
        language: FunctionLanguage = .swift
    ) {
        self.name = name
        self.uuid = uuid
        self.url = url
        self.configuration = configuration
        self.language = language
    }
}

/// The functions of a project folder: `func2url.json` (name -> public URL, as a poehali.dev export
/// has it) plus each function's `<name>/function.json`.
public struct FunctionCatalog: Sendable {
    public var directory: String
    public var functions: [FunctionSpec]

    public init(directory: String, functions: [FunctionSpec]) {
        self.directory = directory
        self.functions = functions
    }

    /// The folder of one function's files.
    public func folder(of spec: FunctionSpec) -> String { "\(directory)/\(spec.name)" }

    public func function(named name: String) -> FunctionSpec? {
        functions.first { $0.name == name }
    }

    /// The function a path segment names: its uuid (any case) or its name.
    public func function(matching segment: String) -> FunctionSpec? {
        let lower = segment.lowercased()
        return functions.first { $0.uuid == lower || $0.name == segment }
    }

    /// Reads `<directory>/func2url.json` and every listed function's `function.json` (absent = defaults).
    public static func load(directory: String) throws(ConfigurationError) -> FunctionCatalog {
        let mapPath = directory + "/func2url.json"
        guard let bytes = FileBytes.read(mapPath) else {
            throw ConfigurationError(file: mapPath, "cannot be read (is --functions the folder that holds it?)")
        }
        var functions: [FunctionSpec] = []
        for (name, url) in try parseFunc2URL(bytes, file: mapPath) {
            let configPath = "\(directory)/\(name)/function.json"
            var configuration = FunctionConfiguration()
            if let configBytes = FileBytes.read(configPath) {
                configuration = try FunctionConfiguration.parse(configBytes, file: configPath)
            }
            guard let uuid = uuid(inURL: url) else {
                throw ConfigurationError(file: mapPath, "\"\(name)\": \(url) does not end in a function uuid")
            }
            let language: FunctionLanguage =
                FileManager.default.fileExists(atPath: "\(directory)/\(name)/index.py") ? .python : .swift
            functions.append(FunctionSpec(name: name, uuid: uuid, url: url, configuration: configuration, language: language))
        }
        return FunctionCatalog(directory: directory, functions: functions)
    }

    /// `{"name": "https://functions.poehali.dev/<uuid>", ...}`, sorted by name.
    public static func parseFunc2URL(_ bytes: [UInt8], file: String) throws(ConfigurationError) -> [(String, String)] {
        guard let value = try? JSONValue.parse(bytes), case .object(let members) = value else {
            throw ConfigurationError(file: file, "must be a JSON object of function names to URLs")
        }
        var pairs: [(String, String)] = []
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            guard case .string(let url) = member else {
                throw ConfigurationError(file: file, "\"\(name)\" must map to a URL string")
            }
            guard isValidName(name) else {
                throw ConfigurationError(file: file, "\"\(name)\" is not a valid function name (letters, digits, - and _)")
            }
            pairs.append((name, url))
        }
        return pairs
    }

    /// The uuid at the end of a function URL (`https://functions.poehali.dev/<uuid>`), lower case.
    public static func uuid(inURL url: String) -> String? {
        var path = Substring(url)
        while path.hasSuffix("/") { path = path.dropLast() }
        guard let last = path.split(separator: "/").last else { return nil }
        let candidate = String(last).lowercased()
        return UUIDText.isValid(candidate) ? candidate : nil
    }

    /// Function names: 1-63 characters of letters, digits, `-` and `_`.
    public static func isValidName(_ name: String) -> Bool {
        guard (1...63).contains(name.utf8.count) else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }
}

/// Whole-file reads without Foundation's `FileManager`.
public enum FileBytes {
    public static func read(_ path: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return Array(data)
    }

    /// Everything on standard input, to its end.
    public static func readStandardInput() -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let got = buffer.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { return bytes }
            bytes.append(contentsOf: buffer[0..<got])
        }
    }
}
