import Testing
import FnhostProject

struct ProjectSchemaInferenceTests {
    @Test func findsTheQualifyingSchema() {
        let inference = ProjectSchemaInference(migrations: [
            "CREATE TABLE t_p12345678_shop.orders (id SERIAL PRIMARY KEY);\nCREATE INDEX ON t_p12345678_shop.orders (id);",
            "ALTER TABLE T_P12345678_SHOP.orders ADD COLUMN note TEXT;",
        ])
        #expect(inference.schemas == ["t_p12345678_shop"])
        #expect(inference.mainSchema == "t_p12345678_shop")
    }

    @Test func quotedQualifiersKeepTheirCase() {
        #expect(ProjectSchemaInference(migrations: [#"INSERT INTO "t_p1_app".users VALUES (1);"#]).schemas == ["t_p1_app"])
        #expect(ProjectSchemaInference(migrations: [#"SELECT 1 FROM "t_p1_App".users;"#]).schemas.isEmpty)
    }

    @Test func theMostFrequentSchemaWinsThenTheFirstSeen() {
        let inference = ProjectSchemaInference(migrations: ["t_p2_b.x t_p1_a.y", "t_p1_a.z t_p2_b.w t_p1_a.v"])
        #expect(inference.schemas == ["t_p1_a", "t_p2_b"])
        #expect(ProjectSchemaInference(migrations: ["t_p2_b.x t_p1_a.y"]).mainSchema == "t_p2_b")
    }

    @Test func otherNamesAreNotSchemas() {
        let inference = ProjectSchemaInference(migrations: [
            "CREATE TABLE users (id INT); -- t_p_nodigits.x", "SELECT at_p1_x.y, t_p1_.z, t_p1_x FROM public.t_p9_q;",
        ])
        #expect(inference.schemas.isEmpty)
        #expect(inference.mainSchema == nil)
        #expect(ProjectSchemaInference.isProjectSchemaName("t_p123_my_app"))
        #expect(!ProjectSchemaInference.isProjectSchemaName("t_p123"))
        #expect(!ProjectSchemaInference.isProjectSchemaName("t_pabc_x"))
    }
}
