import Testing
import FnhostProject

struct CheckoutAndURLTests {
    @Test func theCheckoutIsTheNearestFolderWithScriptsPg() {
        let files: Set<String> = ["/work/fnhost/scripts/pg", "/scripts/pg"]
        #expect(CheckoutLocator.locate(executable: "/work/fnhost/.build/x86_64-unknown-linux-gnu/debug/fnhost", exists: files.contains)
            == "/work/fnhost")
        #expect(CheckoutLocator.locate(executable: "/usr/local/bin/fnhost", exists: files.contains) == "/")
        #expect(CheckoutLocator.locate(executable: "/usr/local/bin/fnhost", exists: { _ in false }) == nil)
        #expect(CheckoutLocator.locate(executable: "", exists: { _ in true }) == nil)
    }

    @Test func theDatabaseNameIsReplaced() {
        #expect(DatabaseURL.replacingDatabase(in: "postgresql://fnhost:pw@/fnhost?host=%2Ftmp%2Fs", with: "fnhost_test_1_ab")
            == "postgresql://fnhost:pw@/fnhost_test_1_ab?host=%2Ftmp%2Fs")
        #expect(DatabaseURL.replacingDatabase(in: "postgres://u@db.example:5432", with: "x") == "postgres://u@db.example:5432/x")
        #expect(DatabaseURL.replacingDatabase(in: "postgres://u@h/old", with: "x") == "postgres://u@h/x")
        #expect(DatabaseURL.replacingDatabase(in: "host=/tmp dbname=old", with: "x") == "host=/tmp dbname=old dbname=x")
    }

    @Test func throwawayNamesCarryTheProcessID() {
        let name = DatabaseURL.throwawayName(processID: 4321, suffix: "a1b2")
        #expect(name == "fnhost_test_4321_a1b2")
        #expect(DatabaseURL.throwawayProcessID(name) == 4321)
        #expect(DatabaseURL.throwawayProcessID("fnhost") == nil)
        #expect(DatabaseURL.throwawayProcessID("fnhost_test_x_1") == nil)
    }
}
