import CHostSupport
#if canImport(Glibc)
import Glibc
#endif

extension PythonEnvironmentStore {
    /// How `build` behaves.
    public struct BuildOptions: Sendable, Equatable {
        /// Build even when the environment is ready; the old one is replaced only once the new one is
        /// complete (a failed rebuild keeps it). Default false.
        public var rebuild: Bool
        /// Seconds the whole build (venv and pip install together) may take; past it the running step
        /// is killed and the build fails. Default 900.
        public var timeout: Double

        public init(rebuild: Bool = false, timeout: Double = 900) {
            self.rebuild = rebuild
            self.timeout = timeout
        }
    }

    /// What `build` did.
    public enum BuildOutcome: Sendable, Equatable {
        /// This call built the environment, taking `seconds` (lock wait excluded).
        case built(path: String, seconds: Double)
        /// It was complete already, or another build this call waited for completed it.
        case alreadyReady(path: String)

        /// The environment's folder.
        public var path: String {
            switch self {
            case .built(let path, _), .alreadyReady(let path): path
            }
        }
    }

    /// Builds the environment of `requirements` unless it is ready: `<python> -m venv` into
    /// `<root>/<key>.building.<pid>`, `<venv>/bin/python -m pip install -r` the normalized set (skipped
    /// for the empty set, whose venv has no pip), then `.fnhost-ready` and a rename to `<root>/<key>`.
    ///
    /// Runs under an exclusive `flock` on `<root>/<key>.lock`: a second build of the same set (another
    /// process or thread) waits, then takes the first one's result instead of building again.
    /// A failure writes `<root>/<key>.failed` with the thrown error's message (unless an earlier
    /// environment of the set is still in place) and leaves no folder behind; a success removes it.
    ///
    /// - Parameters:
    ///   - functions: the functions using the set, named in each progress line.
    ///   - progress: receives one line per step: `python env <key> (<functions>): <what happens>`,
    ///     pip's output condensed to `Collecting x`, `Installing collected packages: ...`;
    ///     credentials in URLs are hidden.
    @discardableResult
    public func build(
        _ requirements: RequirementsSet, functions: [String] = [], options: BuildOptions = BuildOptions(),
        progress: (String) -> Void = { _ in }
    ) throws(PythonToolingError) -> BuildOutcome {
        let key = key(of: requirements)
        let prefix = "python env \(key)" + (functions.isEmpty ? "" : " (\(functions.joined(separator: ", ")))") + ": "
        func say(_ text: String) { progress(prefix + CredentialRedaction.redact(text)) }

        try FileTree.makeDirectories(root)
        let lock = try EnvironmentLock(path: "\(root)/\(key).lock")
        let recordsBefore = records(key: key)
        var waited = false
        if try !lock.tryAcquire() {
            say("waiting for another build of this set")
            try lock.acquire()
            waited = true
        }
        // A record that changed while this call waited is the result of the build it waited for.
        let fresh = waited && records(key: key) != recordsBefore
        switch status(key: key) {
        case .ready(let path) where fresh || !options.rebuild:
            say(fresh ? "ready (built meanwhile by another build)" : "ready (built before)")
            return .alreadyReady(path: path)
        case .failed(let message) where fresh:
            say("failed in another build: \(message)")
            throw PythonToolingError(.failedElsewhere, message)
        default:
            break
        }

        let started = ContinuousClock.now
        let deadline = started + Self.duration(seconds: options.timeout)
        let final = path(key: key)
        // Leftovers of builds whose process died (the lock is ours, so none is running).
        for name in FileTree.names(in: root) where name.hasPrefix("\(key).building.") || name.hasPrefix("\(key).old.") {
            FileTree.removeTree("\(root)/\(name)")
        }
        let temporary = "\(root)/\(key).building.\(getpid())"
        do {
            let requirementCount = requirements.lines.filter { !$0.hasPrefix("-") }.count
            say("creating a virtual environment with \(python)")
            try createVirtualEnvironment(at: temporary, withPip: !requirements.lines.isEmpty, deadline: deadline, timeout: options.timeout)
            if !requirements.lines.isEmpty {
                let file = temporary + "/fnhost-requirements.txt"
                try FileTree.writeAtomically(file, requirements.normalized + "\n")
                say("installing \(requirementCount) requirement\(requirementCount == 1 ? "" : "s")")
                try install(file, venv: temporary, deadline: deadline, timeout: options.timeout, say: say)
            }
            try VenvRelocation.relocate(venv: temporary, to: final)
            try FileTree.writeAtomically(temporary + "/.fnhost-ready", "key \(key)\npython \(python)\n")
            try moveIntoPlace(temporary, final)
        } catch let caught {
            // The record is what HTTP clients of the function see: never a credential from a URL.
            var error = caught
            error.message = CredentialRedaction.redact(error.message)
            FileTree.removeTree(temporary)
            if case .ready = status(key: key) {
                say("failed (the earlier environment stays): \(error.message)")
            } else {
                try? FileTree.writeAtomically(failurePath(key: key), error.message)
                say("failed: \(error.message)")
            }
            throw error
        }
        _ = unlink(failurePath(key: key))
        let elapsed = (ContinuousClock.now - started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        say("ready in \(Self.format(seconds: seconds))")
        return .built(path: final, seconds: seconds)
    }

    // MARK: - Steps

    private func createVirtualEnvironment(
        at folder: String, withPip: Bool, deadline: ContinuousClock.Instant, timeout: Double
    ) throws(PythonToolingError) {
        let arguments = [python, "-m", "venv"] + (withPip ? [] : ["--without-pip"]) + [folder]
        let outcome = try ProcessRunner.run(arguments, environment: Self.childEnvironment(), timeout: deadline - .now)
        switch outcome.termination {
        case .exited(0):
            return
        case .timedOut:
            throw PythonToolingError(
                .timedOut, "creating the virtual environment with \(python) ran past the build's timeout of \(Self.format(seconds: timeout))")
        case .exited(let status):
            throw PythonToolingError(
                .environmentFailed,
                "\(python) -m venv failed (exit status \(status))" + Self.tail(outcome.lines))
        case .signaled(let signal):
            throw PythonToolingError(.environmentFailed, "\(python) -m venv was killed by signal \(signal)" + Self.tail(outcome.lines))
        }
    }

    private func install(
        _ file: String, venv: String, deadline: ContinuousClock.Instant, timeout: Double, say: (String) -> Void
    ) throws(PythonToolingError) {
        let arguments = [
            venv + "/bin/python", "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
            "--progress-bar", "off", "--cache-dir", pipCache, "-r", file,
        ]
        var lastShown = ""
        let outcome = try ProcessRunner.run(arguments, environment: Self.childEnvironment(), timeout: deadline - .now) { line in
            guard let shown = PipOutput.progressLine(line) else { return }
            lastShown = shown
            say(shown)
        }
        switch outcome.termination {
        case .exited(0):
            return
        case .timedOut:
            throw PythonToolingError(
                .timedOut, "pip install ran past the build's timeout of \(Self.format(seconds: timeout))" + (lastShown.isEmpty ? "" : " (last step: \(lastShown))"))
        case .exited(let status):
            let failure = PipFailure(pipOutput: outcome.lines, exitStatus: status)
            throw PythonToolingError(.installFailed, failure.summary, requirements: failure.requirements)
        case .signaled(let signal):
            throw PythonToolingError(.installFailed, "pip install was killed by signal \(signal)" + Self.tail(outcome.lines))
        }
    }

    /// Renames the complete `temporary` to `final`, swapping atomically with an earlier environment
    /// when there is one (then removing it), so `final` is never missing while a rebuild lands.
    private func moveIntoPlace(_ temporary: String, _ final: String) throws(PythonToolingError) {
        if !FileTree.exists(final) {
            guard rename(temporary, final) == 0 else {
                throw PythonToolingError(.fileSystem, "cannot move \(temporary) to \(final): \(SystemText.errno())")
            }
            return
        }
        if fh_rename_exchange(temporary, final) == 0 {
            FileTree.removeTree(temporary)
            return
        }
        let old = "\(final).old.\(getpid())"
        guard rename(final, old) == 0 else {
            throw PythonToolingError(.fileSystem, "cannot move the old environment \(final) aside: \(SystemText.errno())")
        }
        guard rename(temporary, final) == 0 else {
            let reason = SystemText.errno()
            _ = rename(old, final)
            throw PythonToolingError(.fileSystem, "cannot move \(temporary) to \(final): \(reason)")
        }
        FileTree.removeTree(old)
    }

    // MARK: - Helpers

    /// Identities of the ready marker and the failure record of `key`, to tell whether a build
    /// finished while this one waited for the lock.
    private func records(key: String) -> [[Int]?] {
        [FileTree.stamp(path(key: key) + "/.fnhost-ready"), FileTree.stamp(failurePath(key: key))]
    }

    /// The environment of `venv` and `pip`: what finding the network and a compiler needs (PATH, HOME,
    /// locale, proxies, CA bundles, compiler flags, the operator's `PIP_*` settings) and nothing
    /// else, so a function's secrets in this process never reach a package's build scripts. Forced:
    /// no pip configuration file, no version check, no prompts, no user site, and no `PIP_*` setting
    /// that would install elsewhere than the environment.
    static func childEnvironment() -> [String] {
        let passed: Set<String> = [
            "PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "http_proxy", "https_proxy", "no_proxy", "all_proxy",
            "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
            "CURL_CA_BUNDLE", "CC", "CXX", "CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS", "PKG_CONFIG_PATH", "MAKEFLAGS",
        ]
        let refused: Set<String> = [
            "PIP_CONFIG_FILE", "PIP_USER", "PIP_TARGET", "PIP_PREFIX", "PIP_ROOT", "PIP_REQUIRE_VIRTUALENV", "PIP_NO_INPUT",
            "PIP_DISABLE_PIP_VERSION_CHECK", "PIP_CACHE_DIR", "PIP_NO_CACHE_DIR",
        ]
        var result: [String] = []
        var hasPath = false
        var index = 0
        while let entry = environ[index] {
            index += 1
            let text = String(cString: entry)
            guard let equals = text.firstIndex(of: "=") else { continue }
            let name = String(text[..<equals])
            if passed.contains(name) || (name.hasPrefix("PIP_") && !refused.contains(name)) {
                result.append(text)
                if name == "PATH" { hasPath = true }
            }
        }
        if !hasPath { result.append("PATH=/usr/local/bin:/usr/bin:/bin") }
        result += ["PIP_CONFIG_FILE=/dev/null", "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INPUT=1", "PYTHONNOUSERSITE=1"]
        return result
    }

    /// `: ` and the last few output lines joined, or nothing.
    private static func tail(_ lines: [String]) -> String {
        let words = lines.suffix(10).joined(separator: " ").split(whereSeparator: { $0 == " " || $0 == "\t" })
        return words.isEmpty ? "" : ": " + words.joined(separator: " ")
    }

    /// `seconds` as a duration: at most a year, and zero for anything not positive (NaN included).
    static func duration(seconds: Double) -> Duration {
        guard seconds > 0 else { return .zero }
        return .milliseconds(Int64(min(seconds, 365 * 86_400) * 1000))
    }

    static func format(seconds: Double) -> String {
        let tenths = Int((seconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
