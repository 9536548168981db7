import Testing
import PythonTooling

/// pip 23's own output for each kind of failure, as captured from real runs.
struct PipFailureTests {
    @Test func aRequirementNoIndexHas() {
        let failure = PipFailure(pipOutput: [
            "Looking in links: /opt/wheels",
            "ERROR: Could not find a version that satisfies the requirement fnhost-no-such-package-xyz==1.0 (from versions: none)",
            "ERROR: No matching distribution found for fnhost-no-such-package-xyz==1.0",
        ], exitStatus: 1)
        #expect(failure.summary == "No matching distribution found for fnhost-no-such-package-xyz==1.0")
        #expect(failure.requirements == ["fnhost-no-such-package-xyz==1.0"])
    }

    @Test func anUnreachableIndexIsSaidSo() {
        let failure = PipFailure(pipOutput: [
            "Looking in indexes: http://127.0.0.1:9/simple",
            "WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPConnection object at 0x7f4e74cda110>: Failed to establish a new connection: [Errno 111] Connection refused')': /simple/six/",
            "ERROR: Could not find a version that satisfies the requirement six==1.16.0 (from versions: none)",
            "ERROR: No matching distribution found for six==1.16.0",
        ], exitStatus: 1)
        #expect(failure.summary == "No matching distribution found for six==1.16.0 (the package index could not be reached: connection refused)")
        #expect(failure.requirements == ["six==1.16.0"])
    }

    @Test func aConflictNamesBothSides() {
        let failure = PipFailure(pipOutput: [
            "Collecting six==1.16.0", "  Downloading six-1.16.0-py2.py3-none-any.whl (11 kB)",
            "ERROR: Cannot install six==1.15.0 and six==1.16.0 because these package versions have conflicting dependencies.",
            "The conflict is caused by:", "    The user requested six==1.16.0", "    The user requested six==1.15.0",
            "To fix this you could try to:", "1. loosen the range of package versions you've specified",
            "ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/#dealing-with-dependency-conflicts",
        ], exitStatus: 1)
        #expect(failure.requirements == ["six==1.15.0", "six==1.16.0"])
        #expect(failure.summary == "Cannot install six==1.15.0 and six==1.16.0: conflicting dependencies (The user requested six==1.16.0; The user requested six==1.15.0)")
    }

    @Test func aConflictOfThreeIsSplitIntoThree() {
        let failure = PipFailure(pipOutput: [
            "ERROR: Cannot install a==1, b==2 and c==3 because these package versions have conflicting dependencies.",
        ], exitStatus: 1)
        #expect(failure.requirements == ["a==1", "b==2", "c==3"])
    }

    @Test func aLegacyInstallThatDoesNotCompileNamesThePackageAndTheCompilerError() {
        let failure = PipFailure(pipOutput: [
            "Processing ./broken/brokenext-1.0.tar.gz", "  Preparing metadata (setup.py): started",
            "  Preparing metadata (setup.py): finished with status 'done'", "Installing collected packages: brokenext",
            "  Running setup.py install for brokenext: started", "  Running setup.py install for brokenext: finished with status 'error'",
            "  error: subprocess-exited-with-error", "  × Running setup.py install for brokenext did not run successfully.",
            "  │ exit code: 1", "  ╰─> [12 lines of output]", "      running install", "      running build_ext",
            "      x86_64-linux-gnu-gcc -Wsign-compare -DNDEBUG -c missing.c -o build/temp.linux-x86_64-cpython-311/missing.o",
            "      cc1: fatal error: missing.c: No such file or directory", "      compilation terminated.",
            "      error: command '/usr/bin/x86_64-linux-gnu-gcc' failed with exit code 1", "      [end of output]",
            "  note: This error originates from a subprocess, and is likely not a problem with pip.",
            "error: legacy-install-failure", "× Encountered error while trying to install package.", "╰─> brokenext",
            "note: This is an issue with the package mentioned above, not pip.",
        ], exitStatus: 1)
        #expect(failure.requirements == ["brokenext"])
        #expect(failure.summary == "Could not build brokenext: cc1: fatal error: missing.c: No such file or directory")
    }

    @Test func metadataThatFailsNamesTheCollectedRequirement() {
        let failure = PipFailure(pipOutput: [
            "Collecting brokenpkg==1.0", "  Downloading brokenpkg-1.0.tar.gz (1 kB)",
            "  Preparing metadata (setup.py): started", "  Preparing metadata (setup.py): finished with status 'error'",
            "  error: subprocess-exited-with-error", "  × python setup.py egg_info did not run successfully.", "  │ exit code: 1",
            "  ╰─> [1 lines of output]", "      cannot build: missing libfoo", "      [end of output]",
            "error: metadata-generation-failed", "× Encountered error while generating package metadata.", "╰─> See above for output.",
        ], exitStatus: 1)
        #expect(failure.requirements == ["brokenpkg==1.0"])
        #expect(failure.summary == "Could not build brokenpkg==1.0: cannot build: missing libfoo")
    }

    @Test func aWheelThatDoesNotBuild() {
        let failure = PipFailure(pipOutput: [
            "Collecting psycopg2==2.9.9", "Building wheels for collected packages: psycopg2",
            "  Building wheel for psycopg2 (pyproject.toml): started",
            "  Building wheel for psycopg2 (pyproject.toml): finished with status 'error'", "  error: subprocess-exited-with-error",
            "  ╰─> [3 lines of output]", "      running bdist_wheel",
            "      Error: pg_config executable not found.", "      [end of output]",
            "  ERROR: Failed building wheel for psycopg2", "Failed to build psycopg2",
            "ERROR: Could not build wheels for psycopg2, which is required to install pyproject.toml-based projects",
        ], exitStatus: 1)
        #expect(failure.requirements == ["psycopg2"])
        #expect(failure.summary == "Could not build psycopg2: Error: pg_config executable not found.")
    }

    @Test func anyOtherErrorLineAsPipWroteIt() {
        let failure = PipFailure(pipOutput: ["ERROR: Invalid requirement: 'flask =='"], exitStatus: 1)
        #expect(failure.summary == "Invalid requirement: 'flask =='")
        #expect(PipFailure(pipOutput: [], exitStatus: 2).summary == "pip install exited with status 2 without output")
    }

    @Test func credentialsNeverReachTheSummary() {
        let failure = PipFailure(pipOutput: [
            "ERROR: Could not find a version that satisfies the requirement pkg@ git+https://bot:ghp_secret@github.com/o/pkg.git",
        ], exitStatus: 1)
        #expect(!failure.summary.contains("ghp_secret"))
        #expect(failure.requirements.allSatisfy { !$0.contains("ghp_secret") })
    }
}
