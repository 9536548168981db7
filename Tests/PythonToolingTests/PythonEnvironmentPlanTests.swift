import Testing
import PythonTooling

struct PythonEnvironmentPlanTests {
    let six = RequirementsSet(text: "six==1.16.0")
    let flask = RequirementsSet(text: "flask==99")
    let none = RequirementsSet(text: "")

    func plan() -> PythonEnvironmentPlan {
        PythonEnvironmentPlan(
            functions: [
                .init(name: "register", key: "k-six", requirements: six), .init(name: "login", key: "k-six", requirements: six),
                .init(name: "signup", key: "k-flask", requirements: flask), .init(name: "hello", key: "k-none", requirements: none),
            ],
            statuses: ["k-six": .ready(path: "/e/k-six"), "k-flask": .failed(message: "No matching distribution found for flask==99")])
    }

    @Test func groupsFunctionsByKeyOncePerSet() {
        let plan = plan()
        #expect(plan.functionsByKey == ["k-six": ["login", "register"], "k-flask": ["signup"], "k-none": ["hello"]])
        #expect(plan.environments.map(\.key) == ["k-none", "k-six", "k-flask"])
    }

    @Test func buildsWhatIsMissingOrFailedAndEverythingOnRebuild() {
        let plan = plan()
        #expect(plan.environmentsToBuild().map(\.key) == ["k-none", "k-flask"])
        #expect(plan.environmentsToBuild(rebuild: true).count == 3)
    }

    @Test func theSummaryCountsAndNamesTheFailures() {
        let plan = plan()
        let report = PythonEnvironmentReport(plan: plan, results: [
            "k-none": .success(.built(path: "/e/k-none", seconds: 0.1)),
            "k-flask": .failure(PythonToolingError(.installFailed, "No matching distribution found for flask==99")),
        ])
        #expect(report.failedCount == 1)
        #expect(report.summary == "3 environments: 2 ready (1 built now), 1 failed: signup: No matching distribution found for flask==99")
        let allReady = PythonEnvironmentReport(plan: plan, results: [
            "k-none": .success(.alreadyReady(path: "/e/k-none")), "k-flask": .success(.built(path: "/e/k-flask", seconds: 3)),
        ])
        #expect(allReady.summary == "3 environments: 3 ready (1 built now)")
    }
}
