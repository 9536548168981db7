import Testing
import PythonTooling

struct EnvironmentVariableScanTests {
    private func names(_ source: String) -> [String] { EnvironmentVariableScan(source: source).readings.map(\.name) }

    @Test func everyReadingFormIsFound() {
        let source = """
            import os
            import json
            DSN = os.environ['DATABASE_URL']
            SCHEMA = os.environ.get("MAIN_DB_SCHEMA", "t_p1_app")
            KEY = os.getenv('API_KEY')
            def handler(event, context):
                token = os.environ.get(
                    'JWT_SECRET'
                )
                os.environ.setdefault('TZ', 'UTC')
                return {'statusCode': 200, 'body': os.environ["REGION"]}
            """
        let scan = EnvironmentVariableScan(source: source)
        #expect(scan.readings == [
            .init(name: "DATABASE_URL", line: 3, hasDefault: false),
            .init(name: "MAIN_DB_SCHEMA", line: 4, hasDefault: true),
            .init(name: "API_KEY", line: 5, hasDefault: false),
            .init(name: "JWT_SECRET", line: 8, hasDefault: false),
            .init(name: "TZ", line: 10, hasDefault: true),
            .init(name: "REGION", line: 11, hasDefault: false),
        ])
        #expect(scan.names == ["API_KEY", "DATABASE_URL", "JWT_SECRET", "MAIN_DB_SCHEMA", "REGION", "TZ"])
    }

    @Test func fromOsImportAndAliases() {
        let source = """
            from os import environ, getenv as ge
            from os import (
                environ as env,
            )
            import os as _os, sys
            a = environ['A']
            b = environ.get('B', None)
            c = env['C']
            d = ge('D', 'x')
            e = _os.environ['E']
            f = _os.getenv('F')
            """
        #expect(names(source) == ["A", "B", "C", "D", "E", "F"])
        #expect(EnvironmentVariableScan(source: source).readings.filter(\.hasDefault).map(\.name) == ["B", "D"])
    }

    @Test func environWithoutTheImportIsNotOs() {
        #expect(names("environ['A']\ngetenv('B')\nself.environ.get('C')\nconfig.os.environ['D']").isEmpty)
    }

    @Test func commentsStringsAndWritesAreNotReads() {
        let source = """
            import os
            # os.environ['IN_COMMENT']
            doc = \"\"\"
            Example: os.environ['IN_DOCSTRING']
            \"\"\"
            text = "os.getenv('IN_STRING')"
            os.environ['WRITTEN'] = 'x'
            same = os.environ['COMPARED'] == 'x'
            key = 'DYNAMIC'
            dynamic = os.environ[key]
            fstring = os.environ[f'PREFIX_{key}']
            escaped = os.environ['A\\nB']
            """
        #expect(names(source) == ["COMPARED"])
    }

    @Test func lexerKeepsLinesAndStrings() {
        let tokens = PythonLexer.tokens("x = r'a\\b' + b'c'\ny = '''\nz'''\n")
        let strings = tokens.compactMap { token -> String?? in
            if case .string(let text) = token.kind { return .some(text) }
            return nil
        }
        #expect(strings == [nil, nil, "\nz"])
        #expect(tokens.last?.line == 3)
    }
}
