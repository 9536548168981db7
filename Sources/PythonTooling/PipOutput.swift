/// pip's output condensed to the lines worth showing while an environment builds: what is being
/// collected, built and installed. Download sizes, cache hits, warnings and blank lines are dropped.
public enum PipOutput {
    /// The line to show for one line of pip's output, or nil to drop it. Credentials in URLs are
    /// hidden.
    public static func progressLine(_ line: String) -> String? {
        let text = String(line.drop { $0 == " " || $0 == "\t" })
        let kept =
            text.hasPrefix("Collecting ") || text.hasPrefix("Processing ")
            || text.hasPrefix("Installing collected packages: ") || text.hasPrefix("Successfully installed ")
            || ((text.hasPrefix("Building wheel for ") || text.hasPrefix("Running setup.py install for "))
                && text.hasSuffix(": started"))
        guard kept else { return nil }
        return CredentialRedaction.redact(text.hasSuffix(": started") ? String(text.dropLast(": started".count)) : text)
    }
}
