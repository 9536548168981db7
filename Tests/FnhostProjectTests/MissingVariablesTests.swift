import Testing
import FnhostProject

struct MissingVariablesTests {
    @Test func reportsUnsetVariablesWithTheirFunctions() {
        let uses: [MissingVariables.Use] = [
            .init(variable: "JWT_SECRET", function: "login", hasDefault: false),
            .init(variable: "JWT_SECRET", function: "auth", hasDefault: false),
            .init(variable: "JWT_SECRET", function: "auth", hasDefault: true),
            .init(variable: "SMTP_HOST", function: "mail", hasDefault: true),
            .init(variable: "DATABASE_URL", function: "auth", hasDefault: false),
            .init(variable: "MAIN_DB_SCHEMA", function: "auth", hasDefault: true),
            .init(variable: "API_KEY", function: "pay", hasDefault: false),
            .init(variable: "LOCAL_ONLY", function: "pay", hasDefault: false),
            .init(variable: "LOCAL_ONLY", function: "mail", hasDefault: false),
        ]
        let missing = MissingVariables(uses: uses) { variable, function in
            variable == "API_KEY" || (variable == "LOCAL_ONLY" && function == "pay")
        }
        #expect(missing.entries == [
            .init(variable: "JWT_SECRET", functions: ["auth", "login"], optional: false),
            .init(variable: "LOCAL_ONLY", functions: ["mail"], optional: false),
            .init(variable: "SMTP_HOST", functions: ["mail"], optional: true),
        ])
        let lines = missing.lines(environmentFile: "/app/.env")
        #expect(lines.first == "fnhost: the functions read variables that are not set (set them in the shell or in /app/.env):")
        #expect(lines.dropFirst().first == "  JWT_SECRET  read by auth, login")
        #expect(lines.last == "  SMTP_HOST   read by mail  (every read has a fallback)")
    }

    @Test func nothingMissingPrintsNothing() {
        let missing = MissingVariables(uses: [.init(variable: "A", function: "f", hasDefault: false)]) { _, _ in true }
        #expect(missing.isEmpty)
        #expect(missing.lines(environmentFile: nil).isEmpty)
    }
}
