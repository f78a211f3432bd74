// keyscope-fuzz: the fuzz targets of `KeyscopeFuzzing`, driven by libFuzzer.
//
// SwiftPM renames an executable's entry point (`keyscope_fuzz_main`), so libFuzzer's own `main`
// never runs: this program is `main`, and hands over to libFuzzer through `LLVMFuzzerRunDriver`.
// Built without `-DKEYSCOPE_LIBFUZZER` (the normal build), it replays the files it is given
// through the target, one after the other, which is what a crash reproduction needs.
//
//   KEYSCOPE_FUZZ_TARGET=yaml keyscope-fuzz [libFuzzer flags] CORPUS_DIR...   (see Fuzz/README.md)
import CFuzzerDriver
import Foundation
import KeyscopeFuzzing

let targetName = ProcessInfo.processInfo.environment["KEYSCOPE_FUZZ_TARGET"] ?? ""
guard let target = FuzzTarget(rawValue: targetName) else {
    FileHandle.standardError.write(
        Data(
            "set KEYSCOPE_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8)
    )
    exit(64)
}
let selected = target
FuzzTarget.warmUp()

#if KEYSCOPE_LIBFUZZER
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
    LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        selected.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    })
#else
var replayed = 0
for path in CommandLine.arguments.dropFirst() where !path.hasPrefix("-") {
    guard let bytes = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
        exit(1)
    }
    selected.run(Array(bytes))
    replayed += 1
}
print("replayed \(replayed) input(s) through \(selected.rawValue)")
#endif
