import Testing

@testable import FunctionHost
import FunctionRuntime

private func spec(_ name: String, _ language: FunctionLanguage = .python, timeout: Double = 30) -> FunctionSpec {
    var configuration = FunctionConfiguration()
    configuration.timeoutSeconds = timeout
    return FunctionSpec(
        name: name, uuid: "00000000-0000-4000-8000-00000000000\(name.count % 10)",
        url: "https://functions.poehali.dev/x", configuration: configuration, language: language)
}

@Suite struct ChangeClassifierTests {
    let classifier = ChangeClassifier(
        directory: "/p/backend/", functions: [spec("login"), spec("feed"), spec("tryon", .swift)])

    @Test func aSavedModuleRollsOnlyItsFunction() {
        #expect(classifier.plan(["/p/backend/login/index.py"]) == ReloadPlan(roll: ["login"]))
        #expect(classifier.plan(["/p/backend/login/services/auth.py"]) == ReloadPlan(roll: ["login"]))
        #expect(classifier.plan(["/p/backend/login/data.json"]) == ReloadPlan(roll: ["login"]))
    }

    @Test func requirementsRebuildFirstAndDoNotAlsoRoll() {
        #expect(classifier.plan(["/p/backend/feed/requirements.txt", "/p/backend/feed/index.py"]) == ReloadPlan(rebuild: ["feed"]))
    }

    @Test func configurationFilesReloadTheConfiguration() {
        #expect(classifier.plan(["/p/backend/func2url.json"]) == ReloadPlan(reloadConfiguration: true))
        #expect(classifier.plan(["/p/backend/tryon/function.json"]) == ReloadPlan(reloadConfiguration: true))
        #expect(classifier.plan(["/p/backend/login/function.json"]) == ReloadPlan(reloadConfiguration: true))
    }

    @Test func aSharedModuleRollsEveryPythonFunction() {
        #expect(classifier.plan(["/p/backend/shared/db.py"]) == ReloadPlan(roll: ["login", "feed"]))
        #expect(classifier.plan(["/p/backend/helpers.py"]) == ReloadPlan(roll: ["login", "feed"]))
    }

    @Test(arguments: [
        "/p/backend/login/.index.py.swp", "/p/backend/login/index.py~", "/p/backend/login/4913",
        "/p/backend/login/__pycache__/index.cpython-311.pyc", "/p/backend/login/.git/HEAD", "/p/backend/login/tests.json",
        "/p/backend/tryon/Source.swift", "/p/elsewhere/login/index.py", "/p/backend/newfn/index.py",
        "/p/backend/.env",
    ])
    func thingsThatAreNotCodeOrCannotReloadAreIgnored(path: String) {
        #expect(classifier.plan([path]).isEmpty)
    }
}

@Suite struct ChangeDebouncerTests {
    @Test func aBatchIsDueAfterQuietOrAfterTheLongestWait() {
        var debouncer = ChangeDebouncer(quietNanoseconds: 50, maxWaitNanoseconds: 400)
        #expect(debouncer.dueAt == nil)
        debouncer.add(["a"], now: 1000)
        debouncer.add(["b", "a"], now: 1030)
        #expect(debouncer.take(now: 1079).isEmpty)
        #expect(debouncer.take(now: 1080) == ["a", "b"])
        #expect(debouncer.dueAt == nil)
        // A stream of changes 40 apart never goes quiet: the longest wait ends it.
        for step in 0..<20 { debouncer.add(["f\(step % 3)"], now: 2000 + UInt64(step) * 40) }
        #expect(debouncer.dueAt == 2400)
        #expect(debouncer.take(now: 2400) == ["f0", "f1", "f2"])
    }

    @Test func anEmptyReadAddsNothing() {
        var debouncer = ChangeDebouncer()
        debouncer.add([], now: 5)
        #expect(debouncer.dueAt == nil)
    }
}

@Suite struct CatalogDiffTests {
    @Test func addedRemovedAndChangedAreTellApart() {
        let diff = CatalogDiff(old: [spec("a"), spec("b"), spec("c")], new: [spec("a"), spec("b", timeout: 5), spec("d")])
        #expect(diff.added.map(\.name) == ["d"])
        #expect(diff.removed == ["c"])
        #expect(diff.changed.map(\.name) == ["b"])
        #expect(diff.changesRoutes)
        #expect(!CatalogDiff(old: [spec("a")], new: [spec("a")]).changesRoutes)
    }

    @Test func aLanguageChangeIsAChange() {
        #expect(CatalogDiff(old: [spec("a", .swift)], new: [spec("a", .python)]).changed.map(\.name) == ["a"])
    }
}
