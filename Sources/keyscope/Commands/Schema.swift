import ArgumentParser
import KeyscopePolicy

struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the JSON Schema files of the policy document kinds (for editors).",
        discussion: "The schemas are generated from the same field definitions the validator uses."
    )

    @Option(help: "Directory to write the schema files to.")
    var out: String = "schemas"

    func run() throws {
        for file in JSONSchemaGenerator.files() {
            try FileOutput.writeAtomically(Array(file.contents.utf8), to: out + "/" + file.name)
            print("wrote \(out)/\(file.name)")
        }
    }
}
