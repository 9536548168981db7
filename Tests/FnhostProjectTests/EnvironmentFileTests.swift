import Testing
import FnhostProject

struct EnvironmentFileTests {
    private func parse(_ text: String) throws -> [String: String] {
        try EnvironmentFile(parsing: text, file: "app/.env").values
    }

    private func failure(_ text: String) -> ProjectError? {
        do {
            _ = try EnvironmentFile(parsing: text, file: "app/.env")
            return nil
        } catch {
            return error
        }
    }

    @Test func plainExportedAndSpacedAssignments() throws {
        let values = try parse("A=1\nexport B=two\n  C = three  \nD=\nexport=kept\n")
        #expect(values == ["A": "1", "B": "two", "C": "three", "D": "", "export": "kept"])
    }

    @Test func commentsAndBlankLinesAreSkipped() throws {
        let file = try EnvironmentFile(parsing: "# header\n\n   \nA=1 # trailing\n\t# indented\nB=x#not-a-comment\n", file: ".env")
        #expect(file.values == ["A": "1", "B": "x#not-a-comment"])
        #expect(file.assignments.map(\.line) == [4, 6])
    }

    @Test func singleQuotesAreLiteral() throws {
        #expect(try parse(#"A='a "b" \n $HOME # not a comment'"#) == ["A": #"a "b" \n $HOME # not a comment"#])
    }

    @Test func doubleQuotesUnderstandEscapes() throws {
        let values = try parse(#"A="line1\nline2\ttab \"q\" back\\slash \$x \q" # comment"#)
        #expect(values["A"] == "line1\nline2\ttab \"q\" back\\slash $x \\q")
    }

    @Test func quotedValuesMaySpanLines() throws {
        let file = try EnvironmentFile(parsing: "KEY=\"-----BEGIN-----\nabc\n-----END-----\"\nNEXT=1\n", file: ".env")
        #expect(file.values["KEY"] == "-----BEGIN-----\nabc\n-----END-----")
        #expect(file.assignments.last == .init(name: "NEXT", value: "1", line: 4))
    }

    @Test func windowsLineEndingsAreTolerated() throws {
        #expect(try parse("A=1\r\nB=\"2\"\r\n") == ["A": "1", "B": "2"])
    }

    @Test func theLastAssignmentWins() throws {
        let file = try EnvironmentFile(parsing: "A=1\nB=2\nA=3\n", file: ".env")
        #expect(file.values == ["A": "3", "B": "2"])
        #expect(file.names == ["A", "B"])
    }

    @Test func theShellWinsOverTheFile() throws {
        let file = try EnvironmentFile(parsing: "A=file\nB=file\nC=file\n", file: ".env")
        let set = file.assignments(over: ["A": "shell", "C": ""])
        #expect(set.map(\.name) == ["B"])
        #expect(set.map(\.value) == ["file"])
    }

    @Test func errorsNameTheFileAndLine() {
        #expect(failure("A=1\nthis line has no equals\n")?.description.hasPrefix("app/.env:2: expected KEY=value") == true)
        #expect(failure("A=1\n\n1BAD=x\n")?.description.hasPrefix("app/.env:3: the key is not a variable name") == true)
        #expect(failure("=x\n")?.description.hasPrefix("app/.env:1: the line starts with `=`") == true)
        #expect(failure("A=1\nB=\"open\nstill open\n")?.description == "app/.env:2: the double quote opened here is never closed")
        #expect(failure("A='x' trailing\n")?.description.hasPrefix("app/.env:1: unexpected text after the closing quote") == true)
        #expect(failure("A=1\n")?.code == nil)
        #expect(failure("A-B=1\n")?.code == .environmentFileSyntax)
    }

    @Test func errorsNeverQuoteTheFile() {
        let secret = "sk_live_SENTINEL_123"
        for text in [
            "\(secret)\n", "\(secret) \(secret)=x\n", "KEY=\"\(secret)\n", "KEY='\(secret)' \(secret)\n", "X-\(secret)=1\n",
            "KEY=\(secret)\0\n",
        ] {
            let error = failure(text)
            #expect(error != nil, "\(text)")
            #expect(error?.description.contains("SENTINEL") == false, "\(String(describing: error))")
        }
    }

    @Test func namesAreChecked() {
        #expect(EnvironmentFile.isValidName("DATABASE_URL"))
        #expect(EnvironmentFile.isValidName("_x1"))
        #expect(!EnvironmentFile.isValidName("1X"))
        #expect(!EnvironmentFile.isValidName("A.B"))
        #expect(!EnvironmentFile.isValidName(""))
    }
}
