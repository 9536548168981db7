import Testing
@testable import PythonTooling

struct VenvRelocationTests {
    @Test func replacesEveryMentionOfTheTemporaryFolder() {
        let script = Array("#!/envs/k.building.7/bin/python3.11\nVIRTUAL_ENV=/envs/k.building.7\n".utf8)
        let replaced = VenvRelocation.replacing(script, from: Array("/envs/k.building.7".utf8), to: Array("/envs/k".utf8))
        #expect(replaced.map { String(decoding: $0, as: UTF8.self) } == "#!/envs/k/bin/python3.11\nVIRTUAL_ENV=/envs/k\n")
        #expect(VenvRelocation.replacing(Array("nothing here".utf8), from: Array("/envs/k.building.7".utf8), to: []) == nil)
    }
}
