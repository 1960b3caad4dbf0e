import ArgumentParser
import AudioIO
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import PromptKit

/// Options shared by install and uninstall: where the sounds are and which folder.
struct SoundsLocation: ParsableArguments {
    @Option(help: "The language folder: en, es, fr, de, ... or any name Asterisk's language setting uses (en_US, pt_BR).")
    var lang = "en"

    @Option(help: "The folder inside the language folder (empty for none).")
    var subdir = "custom"

    @Option(help: ArgumentHelp("The Asterisk sounds folder (default: from asterisk.conf, else /var/lib/asterisk/sounds).", valueName: "dir"))
    var soundsDir: String?

    @Option(help: ArgumentHelp("Read the sounds folder from this asterisk.conf.", valueName: "file"))
    var asteriskConf: String?

    func validate() throws {
        if soundsDir != nil && asteriskConf != nil { throw ValidationError("Give --sounds-dir or --asterisk-conf, not both.") }
    }

    func resolved() throws -> String { try AsteriskConfig.resolve(soundsDir: soundsDir, confPath: asteriskConf) }
}

struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Install prompts into the Asterisk sounds folder, safely while calls play them.",
        discussion: """
        SRC is a recording (converted to each format), a folder of recordings, or prompt \
        files already made (copied as they are after a format check). Files land in \
        <sounds>/<lang>/<subdir>/<name>.<ext>, mode 0644 (folders 0755), owned by the \
        asterisk user when it exists.

        Examples:
          promptc install welcome.mp3
          promptc install hello.wav --name greeting --lang fr --formats alaw,ulaw
          promptc install recordings/ --sounds-dir /tmp/sounds --dry-run
          promptc install welcome.mp3 --replace
        """)

    @Argument(help: "Recordings, folders of recordings, or prompt files.")
    var sources: [String]

    @Option(help: "The prompt's name (default: the file name without extension).")
    var name: String?

    @OptionGroup var location: SoundsLocation

    @Option(help: ArgumentHelp("Formats to write, comma-separated: \(PromptFormat.all.filter(\.spec.isPrompt).map(\.rawValue).joined(separator: ", ")).", valueName: "list"))
    var formats = InstallOptions.defaultFormats.map(\.rawValue).joined(separator: ",")

    @Option(help: ArgumentHelp("Owner of the files (default: asterisk:asterisk when that user exists).", valueName: "user:group"))
    var owner: String?

    @Flag(help: "Replace an installed prompt and remove its other formats (kept in a backup folder).")
    var replace = false

    @Flag(help: "Print what would be written, replaced and removed; change nothing.")
    var dryRun = false

    @Flag(help: "Conversion warnings (clipping, a truncated input, NaN) are errors: that prompt is not installed.")
    var strict = false

    @Flag(help: "Also install files reached through symbolic links that lead outside the source folders.")
    var followSymlinks = false

    @Option(help: ArgumentHelp("Permission bits of the installed files, in octal; Asterisk must be able to read them.", valueName: "octal"))
    var mode = "0644"

    @OptionGroup var processing: ProcessingFlags

    func validate() throws {
        _ = try parseMode(mode)
    }

    func run() throws {
        var o = InstallOptions(soundsDir: try location.resolved())
        o.followSymlinks = followSymlinks
        o.mode = try parseMode(mode)
        o.name = name
        o.lang = location.lang
        o.subdir = location.subdir
        o.formats = try PromptFormat.list(formats, promptsOnly: true)
        o.owner = owner
        o.replace = replace
        o.dryRun = dryRun
        o.strict = strict
        processing.apply(to: &o.conversion)
        let installer = PromptInstaller(options: o)
        let done = try installer.install(sources)
        var err = StandardError()
        for (path, reason) in installer.skipped { print("promptc: skipped \(path): \(reason)", to: &err) }
        for p in done {
            for b in p.backups {
                print(dryRun ? "would \(b.removed ? "remove" : "replace") \(b.original) (backup: \(b.backup))"
                             : "\(b.removed ? "removed" : "replaced") \(b.original) (backup: \(b.backup))")
            }
            for f in p.files { print(dryRun ? "would write \(f)" : "wrote \(f)") }
            p.warnings.forEach { print("promptc: warning: \($0)", to: &err) }
            print("dialplan: \(p.dialplan)")
        }
    }
}

struct Uninstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove installed prompts and restore what they replaced.",
        usage: "promptc uninstall NAME... [--lang LANG] [--subdir DIR] [<options>]\n       promptc uninstall --manifest FILE [<options>]",
        discussion: "Examples:\n  promptc uninstall welcome --lang en --subdir custom\n  promptc uninstall --manifest /var/lib/asterisk/sounds/.promptc-install.json")

    @Argument(help: "Prompt names.")
    var names: [String] = []

    @Option(help: ArgumentHelp("Remove everything this install manifest records.", valueName: "file"))
    var manifest: String?

    func validate() throws {
        if names.isEmpty == (manifest == nil) { throw ValidationError("Give prompt names or --manifest FILE.") }
    }

    @OptionGroup var location: SoundsLocation

    @Flag(help: "Print what would be removed and restored; change nothing.")
    var dryRun = false

    func run() throws {
        var o = InstallOptions(soundsDir: try location.resolved())
        o.lang = location.lang
        o.subdir = location.subdir
        o.dryRun = dryRun
        let result: PromptInstaller.UninstallResult
        if let m = manifest {
            result = try PromptInstaller(options: o, manifest: m).uninstallAll()
        } else {
            result = try PromptInstaller(options: o).uninstall(names)
        }
        for line in result.lines { print(line) }
        var err = StandardError()
        for f in result.failures { print("promptc: \(f)", to: &err) }
        if !result.failures.isEmpty { throw ExitCode(1) }
    }
}

struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Audit a sounds tree for what makes Asterisk play silence, noise or the wrong file.",
        discussion: "Examples:\n  promptc doctor\n  promptc doctor /var/lib/asterisk/sounds --json\n  promptc doctor /var/lib/asterisk/sounds/en/custom/welcome.alaw")

    @Argument(help: "The sounds folder, or one prompt file (default: the sounds folder from asterisk.conf).")
    var soundsDir: String?

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() throws {
        let dir = try AsteriskConfig.resolve(soundsDir: soundsDir, confPath: nil)
        var reader: (uid_t, gid_t)?
        if let pw = getpwnam("asterisk") { reader = (pw.pointee.pw_uid, pw.pointee.pw_gid) }
        let configured = try? AsteriskConfig.resolve(soundsDir: nil, confPath: nil)
        let examination = try SoundsDoctor.examine(dir, reader: reader, soundsHint: configured)
        let findings = examination.findings
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try e.encode(findings), as: UTF8.self))
        } else {
            for f in findings { print("\(f.file): \(f.severity == .note ? "note: " : "")\(f.problem)\n    fix: \(f.fix)") }
            let problems = findings.filter { $0.severity == .problem }.count, notes = findings.count - problems
            let noteText = notes == 0 ? "" : " (\(notes) note\(notes == 1 ? "" : "s"))"
            if let l = examination.loudness {
                print("loudness: \(l.prompts) prompt\(l.prompts == 1 ? "" : "s"), median \(formatted("%.1f", l.median)) LUFS (10th to 90th percentile \(formatted("%.1f", l.percentile10)) to \(formatted("%.1f", l.percentile90))); Asterisk's own: \(formatted("%.1f", SoundsDoctor.stockLoudness)) LUFS; \(l.truePeakAboveCeiling) with a true peak above -1 dBTP")
            }
            print(problems == 0 ? "\(dir): no problems found\(noteText)" : "\(problems) problem\(problems == 1 ? "" : "s") found\(noteText)")
        }
        if findings.contains(where: { $0.severity == .problem }) { throw ExitCode(1) }
    }
}
