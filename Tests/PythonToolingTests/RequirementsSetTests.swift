import Testing
import PythonTooling

struct RequirementsSetTests {
    @Test func layoutDoesNotChangeTheSet() {
        let first = RequirementsSet(text: "requests==2.31.0\npsycopg2-binary==2.9.9\n")
        let second = RequirementsSet(text: "# deps\n\n  psycopg2-binary==2.9.9   # db\r\nrequests==2.31.0\n")
        #expect(first == second)
        #expect(first.normalized == "psycopg2-binary==2.9.9\nrequests==2.31.0")
    }

    @Test func optionLinesStayFirstInOrder() {
        let set = RequirementsSet(text: "b\n--index-url https://example.org/simple\na\n--pre\n")
        #expect(set.lines == ["--index-url https://example.org/simple", "--pre", "a", "b"])
    }

    @Test func aHashInsideAURLIsNotAComment() {
        let set = RequirementsSet(text: "pkg @ https://example.org/pkg.whl#sha256=abc\n")
        #expect(set.lines == ["pkg @ https://example.org/pkg.whl#sha256=abc"])
    }

    @Test func keysDifferBySetAndByInterpreter() {
        let store = PythonEnvironmentStore(root: "/tmp/x", python: "/usr/bin/python3.11")
        let other = PythonEnvironmentStore(root: "/tmp/x", python: "/usr/bin/python3.12")
        let requests = Array("requests\n".utf8)
        #expect(store.key(requirements: requests) == store.key(requirements: Array("\n# c\nrequests".utf8)))
        #expect(store.key(requirements: requests) != store.key(requirements: []))
        #expect(store.key(requirements: requests) != other.key(requirements: requests))
        #expect(store.key(requirements: []).utf8.count == 16)
    }
}
