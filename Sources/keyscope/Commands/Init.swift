import ArgumentParser
import Foundation
import KeyscopePolicy

/// `keyscope init`: a minimal policy repository that validates, to start from (as
/// `terraform init`-style scaffolding; nothing is overwritten).
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a minimal policy repository that validates: a product, a team, a key set and Settings.",
        discussion: """
            Writes policies/product.yaml, policies/teams.yaml, policies/keys/example.yaml, \
            policies/settings.yaml and the JSON Schemas (schemas/) under DIR, all or nothing, and never \
            over an existing file. With \
            --workflow-repository and --workflow-ref it also writes .github/workflows/keyscope.yml, the \
            review workflow of the README, building keyscope from that repository at that commit.
            """
    )

    @Argument(help: "The repository directory to write into.")
    var directory: String = "."

    @Option(help: "Product id (a slug) of the example product.")
    var product: String = "example-api"

    @Option(help: "owner/name of the keyscope repository the CI workflow builds from.")
    var workflowRepository: String?

    @Option(help: "The full commit id of keyscope the CI workflow pins.")
    var workflowRef: String?

    func validate() throws {
        guard PolicySchema.slug.accepts(product) else {
            throw ValidationError("--product must be a slug: \(PolicySchema.slug.expectation)")
        }
        if (workflowRepository == nil) != (workflowRef == nil) {
            throw ValidationError("--workflow-repository and --workflow-ref go together")
        }
        if let workflowRef, workflowRef.count != 40 || !workflowRef.allSatisfy(\.isHexDigit) {
            throw ValidationError(
                "--workflow-ref must be a full 40-digit commit id: CI must pin the exact keyscope it runs")
        }
        if let workflowRepository,
            workflowRepository.split(separator: "/").count != 2
                || !workflowRepository.allSatisfy({ $0.isLetter || $0.isNumber || "-_./".contains($0) })
        {
            throw ValidationError("--workflow-repository must be owner/name")
        }
    }

    func run() throws {
        let base = Environment.directoryArgument(directory)
        var files = Self.policyFiles(product: product).map { (path: "\(base)/\($0.path)", bytes: Array($0.text.utf8)) }
        // The schemas the files' yaml-language-server lines point to (as `keyscope schema` writes them).
        files += JSONSchemaGenerator.files().map {
            (path: "\(base)/schemas/\($0.name)", bytes: Array($0.contents.utf8))
        }
        if let workflowRepository, let workflowRef {
            files.append(
                (
                    "\(base)/.github/workflows/keyscope.yml",
                    Array(Self.workflow(repository: workflowRepository, ref: workflowRef).utf8)
                ))
        }
        for file in files where FileManager.default.fileExists(atPath: file.path) {
            throw CommandFailure(
                "\(file.path) already exists; keyscope init writes only into a repository without these files")
        }
        try FileOutput.writeAllAtomically(files)
        for file in files { print("wrote \(file.path)") }
        print("next: keyscope validate \(base == "." ? "" : base + "/")policies")
        if workflowRepository == nil {
            print("CI: rerun with --workflow-repository OWNER/NAME --workflow-ref COMMIT to write the review workflow")
        }
    }

    static func policyFiles(product: String) -> [(path: String, text: String)] {
        [
            (
                "policies/product.yaml",
                """
                # yaml-language-server: $schema=../schemas/product.schema.json
                # The product and the capabilities its gateway exposes.
                apiVersion: keyscope/v1
                kind: Product
                id: \(product)
                name: Example API
                capabilities:
                  - id: cap_read
                    name: Read
                    owner: platform
                    tags: [safe]
                  - id: cap_admin
                    name: Administration
                    owner: platform
                    tags: [internal]

                """
            ),
            (
                "policies/teams.yaml",
                """
                # yaml-language-server: $schema=../schemas/team.schema.json
                # Teams own capabilities and keys; their reviewers approve access changes.
                apiVersion: keyscope/v1
                kind: Team
                id: platform
                name: Platform

                """
            ),
            (
                "policies/keys/example.yaml",
                """
                # yaml-language-server: $schema=../../schemas/keyset.schema.json
                # API keys: who holds each one and what it may call.
                apiVersion: keyscope/v1
                kind: KeySet
                product: \(product)
                owners: [platform]
                keys:
                  - name: example-customer
                    audience: customer
                    description: A customer integration that reads
                    capabilities: [cap_read]

                """
            ),
            (
                "policies/settings.yaml",
                """
                # yaml-language-server: $schema=../schemas/settings.schema.json
                # Validation settings; changes that weaken a rule need these owners' approval.
                apiVersion: keyscope/v1
                kind: Settings
                owners: [platform]

                """
            ),
        ]
    }

    static func workflow(repository: String, ref: String) -> String {
        """
        name: keyscope
        on:
          pull_request:
            types: [opened, synchronize, reopened, labeled, unlabeled]
        permissions:
          contents: read
          pull-requests: write
          security-events: write
        jobs:
          review:
            runs-on: ubuntu-latest
            env:
              BASE_REF: ${{ github.base_ref }}
              PR_NUMBER: ${{ github.event.number }}
              KS: ${{ github.workspace }}/keyscope-tool/.build/release/keyscope
            steps:
              - uses: actions/checkout@v4
                with: { fetch-depth: 0, path: repo }
              - name: keyscope at a pinned commit (never the pull request's sources)
                uses: actions/checkout@v4
                with: { repository: \(repository), ref: \(ref), path: keyscope-tool }
              - run: sudo apt-get install -y libyaml-dev
              - run: swift build -c release --product keyscope --package-path keyscope-tool
              - name: Validate
                working-directory: repo
                run: |
                  "$KS" validate --format sarif > ../keyscope.sarif || true
                  "$KS" validate --format github
              - uses: github/codeql-action/upload-sarif@v3
                if: always()
                with: { sarif_file: keyscope.sarif }
              - name: Access diff
                working-directory: repo
                run: '"$KS" diff --from "git:origin/$BASE_REF" --format markdown > ../diff.md'
              - name: Comment
                run: gh pr comment "$PR_NUMBER" --repo "$GITHUB_REPOSITORY" --edit-last --body-file diff.md || gh pr comment "$PR_NUMBER" --repo "$GITHUB_REPOSITORY" --body-file diff.md
                env: { GH_TOKEN: "${{ github.token }}" }
              - name: Critical changes need the access-approved label
                if: ${{ !contains(github.event.pull_request.labels.*.name, 'access-approved') }}
                working-directory: repo
                run: '"$KS" diff --from "git:origin/$BASE_REF" --fail-on critical > /dev/null'

        """
    }
}
