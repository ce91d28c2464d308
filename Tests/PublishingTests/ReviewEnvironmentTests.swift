import ConsulDouble
import Foundation
import Testing
import TestSupport

/// `render --env` reads external keys from the live store, `review --env` adds the plan; both only read.
@Suite struct ReviewEnvironmentTests {
    @Test func renderAndReviewReadTheEnvironmentWithoutWriting() async throws {
        let double = try await ConsulDouble.start()
        double.seed(["shared/region": "eu-west", "config/app/port": "7070"])
        let fixture = try FixtureRepository()
        try fixture.write("kvctl.yaml", "external-keys:\n  - \"shared/*\"\nenvironments:\n  dev: {address: '\(double.baseURL)'}\n")
        try fixture.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: 8080\n  - key: config/app/web.ctmpl\n    file: web.ctmpl\n")
        try fixture.write("kv/web.ctmpl", "port {{ key \"config/app/port\" }} region {{ key \"shared/region\" }}\n")
        try fixture.commitAll()
        try fixture.git("tag", "A")
        try fixture.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: 9090\n  - key: config/app/web.ctmpl\n    file: web.ctmpl\n")
        try fixture.commitAll()
        let index = double.index

        let rendered = try kvctl(["render", "config/app/web.ctmpl", "--env", "dev"], in: fixture.url)
        #expect(rendered.status == 0, "\(rendered.standardError)")
        // The version's own key comes from the version; only the external key from the store.
        #expect(rendered.standardOutput == "port 9090 region eu-west\n")

        let review = try kvctl(["review", "A", "HEAD", "--env", "dev"], in: fixture.url)
        #expect(review.status == 0, "\(review.standardError)")
        #expect(review.standardOutput.contains("### Plan against dev"))
        #expect(review.standardOutput.contains("config/app/port"))
        #expect(double.index == index) // nothing written: no session, no lock, no key
        try await double.stop()
    }
}
