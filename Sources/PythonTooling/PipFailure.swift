/// Why a `pip install` failed, read from its output: one sentence naming the failing requirement, for
/// the `.failed` record, the build's summary and the 502 a function with that set answers with.
///
/// Recognized (pip 23's wording): a requirement no index has (`No matching distribution found for X`,
/// with the cause when the index could not be reached), a version conflict (`Cannot install A and B`
/// with pip's list of causes), a package that does not build (its name and the first error line of its
/// build output), and any other `ERROR:` line as pip wrote it.
public struct PipFailure: Sendable, Equatable {
    /// The sentence, credentials in URLs hidden.
    public var summary: String
    /// The requirements pip blamed (empty when it named none).
    public var requirements: [String]

    public init(summary: String, requirements: [String]) {
        self.summary = summary
        self.requirements = requirements
    }

    /// Reads the failure out of pip's output `lines` (as `ProcessRunner` keeps them); `exitStatus`
    /// is only used when pip said nothing recognizable.
    public init(pipOutput lines: [String], exitStatus: Int32) {
        let trimmed = lines.map { String($0.drop { $0 == " " || $0 == "\t" }) }
        let found =
            Self.conflict(trimmed) ?? Self.missing(trimmed) ?? Self.buildFailure(trimmed) ?? Self.otherError(trimmed)
            ?? PipFailure(
                summary: "pip install exited with status \(exitStatus)"
                    + (trimmed.last.map { ": \($0)" } ?? " without output"),
                requirements: [])
        self.init(
            summary: CredentialRedaction.redact(found.summary),
            requirements: found.requirements.map(CredentialRedaction.redact))
    }

    // MARK: - The cases

    /// `ERROR: Cannot install a==1 and b==2 because these package versions have conflicting dependencies.`
    private static func conflict(_ lines: [String]) -> PipFailure? {
        let prefix = "ERROR: Cannot install "
        let marker = " because these package versions have conflicting dependencies"
        guard let line = lines.first(where: { $0.hasPrefix(prefix) }), let end = line.firstRange(of: marker) else { return nil }
        let list = String(line[line.index(line.startIndex, offsetBy: prefix.count)..<end.lowerBound])
        var names: [String] = []
        for part in list.split(separator: ", ") {
            names += part.split(separator: " and ").map(String.init)
        }
        var causes: [String] = []
        if let start = lines.firstIndex(of: "The conflict is caused by:") {
            for cause in lines[(start + 1)...] {
                if cause.hasPrefix("To fix this") || cause.hasPrefix("ERROR:") { break }
                causes.append(cause)
            }
        }
        let because = causes.isEmpty ? "" : " (\(causes.joined(separator: "; ")))"
        return PipFailure(summary: "Cannot install \(list): conflicting dependencies\(because)", requirements: names)
    }

    /// `ERROR: No matching distribution found for x==1`, or only `Could not find a version that
    /// satisfies the requirement x==1 (from versions: ...)`.
    private static func missing(_ lines: [String]) -> PipFailure? {
        let noMatch = "ERROR: No matching distribution found for "
        let noVersion = "ERROR: Could not find a version that satisfies the requirement "
        let requirement: String
        if let line = lines.first(where: { $0.hasPrefix(noMatch) }) {
            requirement = withoutOrigin(String(line.dropFirst(noMatch.count)))
        } else if let line = lines.first(where: { $0.hasPrefix(noVersion) }) {
            requirement = withoutOrigin(String(line.dropFirst(noVersion.count)))
        } else {
            return nil
        }
        let unreachable = indexUnreachable(lines).map { " (the package index could not be reached: \($0))" } ?? ""
        return PipFailure(summary: "No matching distribution found for \(requirement)\(unreachable)", requirements: [requirement])
    }

    /// A package whose metadata, wheel or legacy install failed to build.
    private static func buildFailure(_ lines: [String]) -> PipFailure? {
        var package: String?
        for (index, line) in lines.enumerated() {
            if line.hasPrefix("× Encountered error while trying to install package."), index + 1 < lines.count,
                lines[index + 1].hasPrefix("╰─> ")
            {
                package = String(lines[index + 1].dropFirst("╰─> ".count))
            } else if line.hasPrefix("ERROR: Failed building wheel for ") {
                package = String(line.dropFirst("ERROR: Failed building wheel for ".count))
            } else if line.hasPrefix("ERROR: Could not build wheels for ") {
                let rest = line.dropFirst("ERROR: Could not build wheels for ".count)
                package = String(rest.prefix { $0 != "," })
            } else if line.hasSuffix(": finished with status 'error'") {
                for prefix in ["Running setup.py install for ", "Building wheel for "] where line.hasPrefix(prefix) {
                    package = String(line.dropFirst(prefix.count).prefix { $0 != ":" && $0 != " " })
                }
                if package == nil { package = lastCollected(lines[..<index]) }
            } else if line.hasPrefix("error: metadata-generation-failed") || line.hasPrefix("error: subprocess-exited-with-error") {
                if package == nil { package = lastCollected(lines[..<index]) }
            }
            if package != nil, line.hasPrefix("ERROR: ") || line.hasPrefix("╰─> ") { break }
        }
        guard let package else { return nil }
        let detail = buildOutputError(lines).map { ": \($0)" } ?? ""
        return PipFailure(summary: "Could not build \(package)\(detail)", requirements: [package])
    }

    /// The first `ERROR:` line (or pip's lower-case `error:` one) as pip wrote it.
    private static func otherError(_ lines: [String]) -> PipFailure? {
        if let line = lines.first(where: { $0.hasPrefix("ERROR: ") }) {
            return PipFailure(summary: String(line.dropFirst("ERROR: ".count)), requirements: [])
        }
        if let line = lines.first(where: { $0.hasPrefix("error: ") }) {
            return PipFailure(summary: String(line.dropFirst("error: ".count)), requirements: [])
        }
        return nil
    }

    // MARK: - Helpers

    /// `x==1 (from -r file (line 2))` or `x==1 (from versions: 1.0, 2.0)` -> `x==1`.
    private static func withoutOrigin(_ requirement: String) -> String {
        guard let open = requirement.firstRange(of: " (from ") else { return requirement }
        return String(requirement[..<open.lowerBound])
    }

    /// What a package being built was called in the last `Collecting`/`Processing` line before `lines`' end.
    private static func lastCollected(_ lines: ArraySlice<String>) -> String? {
        for line in lines.reversed() {
            for prefix in ["Collecting ", "Processing "] where line.hasPrefix(prefix) {
                let name = withoutOrigin(String(line.dropFirst(prefix.count)))
                return name.split(separator: "/").last.map(String.init) ?? name
            }
        }
        return nil
    }

    /// In the subprocess output pip frames between `[N lines of output]` and `[end of output]`: the
    /// first line mentioning an error, else the last line.
    private static func buildOutputError(_ lines: [String]) -> String? {
        guard let start = lines.firstIndex(where: { $0.contains(" lines of output]") }) else { return nil }
        var block: [String] = []
        for line in lines[(start + 1)...] {
            if line.hasPrefix("[end of output]") { break }
            block.append(line)
        }
        return block.first { $0.lowercased().contains("error") && !$0.lowercased().contains("warning") } ?? block.last
    }

    /// Why the index could not be reached, when pip's retry warnings say so.
    private static func indexUnreachable(_ lines: [String]) -> String? {
        let network = lines.filter {
            $0.contains("after connection broken by") || $0.hasPrefix("Could not fetch URL")
                || $0.contains("NewConnectionError") || $0.contains("ProxyError") || $0.contains("SSLError")
        }
        guard !network.isEmpty else { return nil }
        let text = network.joined(separator: "\n")
        let reasons: [(String, String)] = [
            ("Temporary failure in name resolution", "its name did not resolve"),
            ("Name or service not known", "its name did not resolve"),
            ("Connection refused", "connection refused"),
            ("Network is unreachable", "network unreachable"),
            ("CERTIFICATE_VERIFY_FAILED", "its TLS certificate was not trusted"),
            ("ProxyError", "the proxy failed"),
            ("timed out", "timed out"),
        ]
        return reasons.first { text.contains($0.0) }?.1 ?? "connection failed"
    }
}
