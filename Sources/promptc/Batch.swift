import ArgumentParser
import AudioIO
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import PromptKit

struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert files and folders of recordings into a mirrored tree of prompts.",
        discussion: """
        Folders are searched recursively; the relative tree is mirrored under OUTDIR, one \
        file per format. Inputs are recognised by content: other files are skipped with a \
        note, but a file that looks like audio by name and does not decode is a failure. \
        A manifest in OUTDIR makes the next run convert only what changed.

        Examples:
          promptc batch recordings/ -o prompts/ --format alaw,ulaw,sln
          promptc batch a.mp3 b.wav studio/ -o out/ --exclude 'drafts/*' -j 2
          promptc batch recordings/ -o prompts/ --prune --json-report report.json
          promptc batch library/ -o prompts/ --shard 3/8
          promptc batch /var/lib/asterisk/sounds --alongside --format g722,sln16
          promptc batch /var/lib/asterisk/sounds --alongside --undo
        """)

    @Argument(help: "Recordings and folders of recordings.")
    var sources: [String]

    @Option(name: .shortAndLong, help: "The output folder (created if missing).")
    var output: String?

    @Option(help: ArgumentHelp("Formats to write, comma-separated: \(PromptFormat.all.map(\.rawValue).joined(separator: ", ")) (default: alaw).", valueName: "list"))
    var format: String?

    @Flag(help: "Add the --format formats next to every prompt of a sounds tree (no -o), each made from the best format the prompt already has; never from one that would lower it.")
    var alongside = false

    @Option(help: ArgumentHelp("With --alongside: make the new formats from this format only, even where it would lower them.", valueName: "format"))
    var from: PromptFormat?

    @Flag(help: "With --alongside: take the last --alongside run back (remove what it added, restore what it replaced).")
    var undo = false

    @Option(help: ArgumentHelp("Only inputs whose relative path or name matches (repeatable).", valueName: "glob"))
    var include: [String] = []

    @Option(help: ArgumentHelp("Leave out inputs whose relative path or name matches (repeatable).", valueName: "glob"))
    var exclude: [String] = []

    @Option(name: .customShort("j"), help: "Parallel workers (default: the number of cores).")
    var jobs: Int?

    @Flag(help: "Convert everything, even what the manifest says is up to date.")
    var force = false

    @Flag(help: "Remove outputs whose source has disappeared.")
    var prune = false

    @Flag(help: "List what would be converted, left alone and pruned; write nothing.")
    var dryRun = false

    @Flag(help: "Stop at the first failure.")
    var failFast = false

    @Option(help: ArgumentHelp("Convert only share K of N of the inputs (by a stable hash of each relative path), so N machines or processes can share a library with no coordinator; shards may write into one output folder at once.", valueName: "K/N"))
    var shard: String?

    @Flag(help: "Also convert files reached through symbolic links that lead outside the source folders.")
    var followSymlinks = false

    @Option(help: ArgumentHelp("Write a JSON report: per-file status, format, duration, outputs, warnings, errors, timings.", valueName: "file"))
    var jsonReport: String?

    @OptionGroup var conversion: ConversionFlags

    @Flag(name: .shortAndLong, help: "Print only errors and the summary.")
    var quiet = false

    func formats() throws -> [PromptFormat] { try PromptFormat.list(format ?? "alaw", promptsOnly: alongside) }

    func validate() throws {
        _ = try formats()
        if alongside {
            if output != nil { throw ValidationError("--alongside writes next to the prompts of the sounds tree; leave out -o.") }
            if sources.count != 1 { throw ValidationError("--alongside takes one sounds tree.") }
            if format == nil && !undo { throw ValidationError("--alongside needs --format: the formats to add (g722,sln16).") }
        } else {
            if output == nil { throw ValidationError("Give the output folder with -o DIR (or --alongside to add formats to a sounds tree).") }
            if from != nil || undo { throw ValidationError("--from and --undo go with --alongside.") }
        }
        if let jobs, jobs < 1 || jobs > 256 { throw ValidationError("-j must be between 1 and 256.") }
        if let shard {
            if alongside { throw ValidationError("--shard goes with -o, not with --alongside.") }
            do { _ = try BatchShard(parsing: shard) } catch { throw ValidationError("--shard: \(error).") }
        }
    }

    func run() throws {
        if alongside { return try runAlongside() }
        let output = self.output!
        var options = BatchOptions()
        options.formats = try formats()
        options.include = include
        options.exclude = exclude
        options.jobs = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        options.force = force
        options.prune = prune
        options.dryRun = dryRun
        options.failFast = failFast
        options.followSymlinks = followSymlinks
        options.shard = try shard.map(BatchShard.init(parsing:))
        conversion.apply(to: &options.conversion)
        let batch = BatchConverter(sources: sources, outputDirectory: output, options: options)
        let live = isatty(2) != 0 && !quiet
        var err = StandardError()
        let started = Date()
        var lastDraw = Date.distantPast
        let progress: (BatchConverter.Event) -> Void = { event in
            guard case let .item(item, done, total, audio) = event else { return }
            if item.status == .failed {
                if live { print("\r\u{1B}[K", terminator: "", to: &err) }
                print("promptc: \(item.error ?? item.source)", to: &err)
            }
            if live {
                guard Date().timeIntervalSince(lastDraw) > 0.2 || done == total else { return }
                lastDraw = Date()
                let elapsed = Date().timeIntervalSince(started)
                let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
                print("\r\u{1B}[K\(done)/\(total) files, \(duration(audio)) of audio, \(formatted("%.0f", audio / max(elapsed, 0.001)))x realtime, ETA \(Int(eta) / 60):\(formatted("%02d", Int(eta) % 60))",
                      terminator: "", to: &err)
            } else if !quiet {
                switch item.status {
                case .converted: print("converted \(item.source) -> \(item.outputs.joined(separator: ", "))", to: &err)
                case .unchanged: print("unchanged \(item.source)", to: &err)
                default: break
                }
                item.warnings.forEach { print("promptc: warning: \(item.source): \($0)", to: &err) }
            }
        }
        let report = try batch.run(progress: progress)
        if dryRun {
            for item in report.items {
                switch item.status {
                case .wouldConvert: print("would convert \(item.source) -> \(item.outputs.joined(separator: ", "))")
                case .unchanged where !quiet: print("unchanged \(item.source)")
                case .skipped where !quiet: print("skipped \(item.source): \(item.error ?? "not audio")")
                case .conflict: print("conflict: \(item.error ?? item.source)")
                default: break
                }
                item.warnings.forEach { print("promptc: warning: \(item.source): \($0)", to: &err) }
            }
            for o in report.orphans { print(prune ? "would prune \(output)/\(o) (its source is gone)" : "orphaned \(output)/\(o): its source is gone (--prune removes it)") }
            print("\(report.count(.wouldConvert)) would be converted, \(report.count(.unchanged)) unchanged, \(report.count(.skipped)) not audio, \(report.count(.conflict)) in conflict\(prune ? ", \(report.orphans.count) would be pruned" : ""); nothing was written", to: &err)
            if !report.succeeded { throw ExitCode(1) }
            return
        }
        if live { print("", to: &err) }
        for item in report.items where item.status == .skipped && !quiet {
            print("skipped \(item.source): \(item.error ?? "not audio")", to: &err)
        }
        var seen = Set<String>()
        for item in report.items where item.status == .conflict && seen.insert(item.error ?? "").inserted {
            print("promptc: conflict: \(item.error ?? item.source)", to: &err)
        }
        for o in report.orphans {
            print(report.pruned ? "pruned \(output)/\(o) (its source is gone)" : "orphaned \(output)/\(o): its source is gone (--prune removes it)", to: &err)
        }
        print("\(report.count(.converted)) converted, \(report.count(.unchanged)) unchanged (skipped), \(report.count(.skipped)) not audio, \(report.count(.failed)) failed, \(report.count(.conflict)) in conflict; \(duration(report.audioSeconds)) of audio in \(formatted("%.1f", report.wallSeconds)) s", to: &err)
        if let path = jsonReport {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let file = try OutputFile(path: path, overwrite: true)
            try file.write([UInt8](try encoder.encode(report)))
            try file.commit()
        }
        if !report.succeeded { throw ExitCode(1) }
    }
}

extension Batch {
    func runAlongside() throws {
        let tree = sources[0]
        if undo {
            for line in try AlongsideConverter.undo(tree) { print(line) }
            return
        }
        var o = AlongsideOptions()
        o.formats = try formats()
        o.from = from
        o.force = force
        o.dryRun = dryRun
        conversion.apply(to: &o.conversion)
        let items = try AlongsideConverter.run(tree, options: o)
        var err = StandardError()
        for i in items {
            let file = "\(tree)/\(i.prompt).\(PromptFormat(rawValue: i.format)?.fileExtension ?? i.format)"
            switch i.status {
            case .added: print("added \(file) (from \(i.source ?? ""))")
            case .replaced: print("replaced \(file) (from \(i.source ?? ""))")
            case .wouldAdd: print("would add \(file) (from \(i.source ?? ""))")
            case .kept: print("kept \(file): \(i.reason ?? "")")
            case .skipped: print("skipped \(file): \(i.reason ?? "")", to: &err)
            case .failed: print("promptc: \(file): \(i.reason ?? "")", to: &err)
            default: break
            }
        }
        func n(_ s: AlongsideItem.Status) -> Int { items.filter { $0.status == s }.count }
        let done = dryRun ? "\(n(.wouldAdd)) would be added" : "\(n(.added)) added, \(n(.replaced)) replaced"
        print("\(done), \(n(.kept)) kept, \(n(.skipped)) skipped, \(n(.failed)) failed\(dryRun ? "; nothing was written" : n(.added) + n(.replaced) > 0 ? "; undo with: promptc batch \(tree) --alongside --undo" : "")", to: &err)
        if n(.failed) > 0 { throw ExitCode(1) }
    }
}

/// "12.3 s", "4:05 min" or "2.25 h".
func duration(_ seconds: Double) -> String {
    if seconds < 60 { return formatted("%.1f s", seconds) }
    if seconds < 3600 { return formatted("%d:%02d min", Int(seconds) / 60, Int(seconds) % 60) }
    return formatted("%.2f h", seconds / 3600)
}
