import AudioIO
import DSP
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Runs conversion plans. Threading is its business: the decoder and the front stages
/// run on a read-ahead thread (or in line, for batch workers), and with one output rate
/// and cheap decoding the resampler's first stage joins them to balance two cores. A
/// front stage that needs the whole input (``MeasuringStage``) gets it through a spool:
/// the stages before it run once, their mono output goes to a temporary file (4 bytes a
/// sample at the decoded rate: 10.6 MB per minute at 44.1 kHz, on disk, not in memory),
/// and the rest of the plan runs on the replay.
enum PlanExecutor {
    struct Result {
        /// Frames decoded from the input.
        var inputFrames: Int
        /// Frames each branch gave, in the plan's branch order.
        var branchFrames: [Int]
    }

    struct Options {
        /// Decode on a read-ahead thread.
        var decodeAhead = true
        /// Frames read from the decoder per block.
        var blockFrames = 16384
    }

    static func run(_ plan: ConversionPlan, options: Options = Options()) throws -> Result {
        let source = plan.source
        // Start every stage with the format it will get; a mismatch is a planning error.
        let delay = source.stream.delay
        var format = StageFormat(rate: source.sampleRate, channels: source.channels, frames: source.frameCount,
                                 delay: Double(delay.numerator) / Double(delay.denominator))
        for stage in plan.front { format = try stage.start(format) }
        let frontFormat = format
        for branch in plan.branches {
            var f = try branch.resampler.start(format)
            for stage in branch.stages { f = try stage.start(f) }
        }

        var front = plan.front
        var replay: [AudioStage] = []
        if let m = front.firstIndex(where: { $0 is MeasuringStage }) {
            replay = Array(front[m...])
            front = Array(front[..<m])
        }
        // One output rate and cheap decoding: the resampler's first stage joins the decoder
        // thread, balancing the two cores. For compressed input the decoder is the heavy
        // side already.
        if options.decodeAhead, replay.isEmpty, plan.branches.count == 1, !source.stream.codec.isCompressed,
           let pre = plan.branches[0].resampler.detachPreDecimator() {
            front.append(pre)
        }
        let producer: BlockProducer = options.decodeAhead
            ? ReadAhead(source: source, front: StageChain(front), blockFrames: options.blockFrames)
            : InlineBlocks(source: source, front: StageChain(front), blockFrames: options.blockFrames)
        defer { producer.cancel() }

        var branchFrames = [Int](repeating: 0, count: plan.branches.count)
        let chains = plan.branches.map { StageChain([$0.resampler as AudioStage] + $0.stages) }
        var out: [Float] = []
        func feed(_ block: [Float]) throws {
            for (i, branch) in plan.branches.enumerated() {
                out.removeAll(keepingCapacity: true)
                block.withUnsafeBufferPointer { chains[i].process($0, into: &out) }
                try emit(branch, i)
            }
        }
        func emit(_ branch: ConversionPlan.Branch, _ i: Int) throws {
            try out.withUnsafeBufferPointer { s in for sink in branch.sinks { try sink.write(s) } }
            branchFrames[i] += out.count
        }

        var inputFrames = 0, frontFrames = 0
        if replay.isEmpty {
            while let (block, n) = try producer.next() {
                inputFrames += n
                frontFrames += block.count
                try feed(block)
                producer.recycle(block)
            }
        } else {
            // Measure the whole input while spooling it (again while a stage asks for
            // another pass), then replay it through the rest. Measuring stages side by
            // side see the same input.
            let measuring = replay.prefix { $0 is MeasuringStage }.map { $0 as! MeasuringStage }
            precondition(!replay.dropFirst(measuring.count).contains { $0 is MeasuringStage }, "measuring stages must come together")
            let spool = try SampleSpool()
            while let (block, n) = try producer.next() {
                inputFrames += n
                try block.withUnsafeBufferPointer { b in
                    for m in measuring { m.measure(b) }
                    try spool.write(b)
                }
                producer.recycle(block)
            }
            measuring.forEach { $0.finishMeasuring() }
            while case let again = measuring.filter(\.wantsAnotherPass), !again.isEmpty {
                try spool.replay(blockFrames: options.blockFrames) { b in again.forEach { $0.measure(b) } }
                again.forEach { $0.finishMeasuring() }
            }
            // The rest of the plan on the replay; or, when the first stage kept the output
            // of its last pass, on that.
            var rest = StageChain(replay)
            var mid: [Float] = []
            func pass(_ b: UnsafeBufferPointer<Float>) throws {
                mid.removeAll(keepingCapacity: true)
                rest.process(b, into: &mid)
                frontFrames += mid.count
                try feed(mid)
            }
            if let keeper = replay.first as? OutputKeepingStage {
                rest = StageChain(Array(replay.dropFirst()))
                if try !keeper.replayOutput(blockFrames: options.blockFrames, pass) {
                    rest = StageChain(replay)
                    try spool.replay(blockFrames: options.blockFrames, pass)
                }
            } else {
                try spool.replay(blockFrames: options.blockFrames, pass)
            }
            mid.removeAll(keepingCapacity: true)
            rest.drain(into: &mid)
            frontFrames += mid.count
            try feed(mid)
        }

        // One rule for every output's length: the input's duration at the output rate,
        // rounded, whatever shortcut decoded it; or, when a stage cut or added to the
        // prompt, the duration of what the front gave.
        let duration = plan.front.contains(where: \.changesLength)
            ? (frames: frontFrames, rate: frontFormat.rate) : source.duration(decodedFrames: inputFrames)
        for (i, branch) in plan.branches.enumerated() {
            branch.resampler.expectedOutputFrames =
                PolyphaseResampler.outputLength(inputFrames: duration.frames, inputRate: duration.rate, outputRate: branch.rate)
            out.removeAll(keepingCapacity: true)
            chains[i].drain(into: &out)
            try emit(branch, i)
        }
        return Result(inputFrames: inputFrames, branchFrames: branchFrames)
    }
}
