import Testing
import PythonTooling

struct PipOutputTests {
    @Test func keepsTheStepsAndDropsTheNoise() {
        let lines = [
            "Looking in links: /opt/wheels", "Collecting six==1.16.0", "  Downloading six-1.16.0-py2.py3-none-any.whl (11 kB)",
            "  Using cached requests-2.31.0-py3-none-any.whl", "Building wheels for collected packages: x",
            "  Building wheel for x (pyproject.toml): started", "  Building wheel for x (pyproject.toml): finished with status 'done'",
            "Installing collected packages: six", "Successfully installed six-1.16.0",
            "WARNING: Retrying (Retry(total=4)) after connection broken by ...",
        ]
        #expect(lines.compactMap(PipOutput.progressLine) == [
            "Collecting six==1.16.0", "Building wheel for x (pyproject.toml)", "Installing collected packages: six",
            "Successfully installed six-1.16.0",
        ])
    }

    @Test func hidesCredentialsInURLs() {
        #expect(
            PipOutput.progressLine("Collecting pkg@ git+https://user:s3cret@github.com/org/pkg.git")
                == "Collecting pkg@ git+https://****@github.com/org/pkg.git")
        #expect(CredentialRedaction.redact("--index-url https://token@pypi.example.org/simple x") == "--index-url https://****@pypi.example.org/simple x")
        #expect(CredentialRedaction.redact("see https://pypi.org/simple/six/ and mail@example.org") == "see https://pypi.org/simple/six/ and mail@example.org")
        #expect(CredentialRedaction.redact("a://b:c@d e://f@g") == "a://****@d e://****@g")
    }
}
