#if canImport(Glibc)
import Glibc
#endif
import Threads
@_exported import CPUFeatures

/// Resampler quality, as a small table in the manner of speexdsp: where the flat
/// passband ends and the stopband starts (as fractions of the narrower Nyquist
/// frequency, min(input, output) / 2) and how deep the stopband is.
///
/// | preset       | passband edge | stopband edge | stopband  | at 8 kHz output                         |
/// |--------------|---------------|---------------|-----------|-----------------------------------------|
/// | `.telephone` | 0.95          | 1.00          | 110 dB    | flat to 3800 Hz, >= 100 dB from 4000 Hz  |
/// | `.draft`     | 0.90          | 1.00          | 70 dB     | flat to 3600 Hz, 70 dB from 4000 Hz      |
///
/// Filters are Kaiser-windowed sincs, whose length follows from the transition width and
/// the attenuation (Kaiser's formula), except the sharp stage of the usual plan, an
/// equiripple (Parks-McClellan) design that spends its taps where they matter (see
/// ``EquirippleDesign``). `.telephone` designs for 110 dB so that the measured response
/// keeps 100 dB at every rate with a margin (docs/design.md, "Resampler").
public struct ResamplerQuality: Sendable, Equatable {
    public var passbandEdge: Double
    public var stopbandEdge: Double
    public var attenuationDB: Double

    public init(passbandEdge: Double, stopbandEdge: Double, attenuationDB: Double) {
        self.passbandEdge = passbandEdge
        self.stopbandEdge = stopbandEdge
        self.attenuationDB = attenuationDB
    }

    /// The default: what a G.711 prompt needs (see the table above).
    public static let telephone = ResamplerQuality(passbandEdge: 0.95, stopbandEdge: 1.0, attenuationDB: 110)
    /// Cheaper and softer; for previews.
    public static let draft = ResamplerQuality(passbandEdge: 0.90, stopbandEdge: 1.0, attenuationDB: 70)
}

/// Hand-written polyphase windowed-sinc resampler for mono float audio, streaming
/// with constant memory.
///
/// - Any integer rate to any integer rate. Output sample k is the band-limited value of
///   the input at time k / outputRate (the filters are zero-phase: no delay to undo).
/// - Output length is exactly `round(inputFrames * outputRate / inputRate)`.
/// - Equal rates take an identity path: samples pass through untouched.
/// - When decimating, a cheap first stage with a wide transition band (it only has to keep
///   aliases out of the final passband) brings the rate down, and the sharp filter runs
///   at the lower rate: either an integer decimation and a Kaiser sharp stage, or (usually
///   cheaper) a rational stage to 4/3 of the output rate and an equiripple sharp stage
///   with three phases. The plan is chosen once, at setup, by a cost model (multiply-adds
///   per second of audio).
public final class PolyphaseResampler: AudioStage {
    public let inputChannels = 1
    public let outputChannels = 1
    public let inputRate: Int
    public let outputRate: Int
    public let quality: ResamplerQuality
    /// Integer factor of the pre-decimation stage (1 when there is none, or when the first
    /// stage is the rational one of the equiripple plan).
    public let preDecimation: Int
    /// Human-readable description of the stages, for `--verbose` and the benchmark notes.
    public var stageDescription: String { stages.map(\.description).joined(separator: " -> ") }

    private let stages: [PolyphaseStage]
    private var scratch: [Float] = []
    private var received = 0
    private var emitted = 0
    private var detached = false
    /// The exact number of output frames the whole stream gives, when the input's length
    /// is known more precisely than its sample count says (a decoder that delivered a
    /// reduced rate knows the stream's length at its own rate). Set before `drain`; nil
    /// gives `round(inputFrames * outputRate / inputRate)`. The tail is zero-padded input.
    public var expectedOutputFrames: Int?

    /// Creates a resampler. Rates must be positive.
    ///
    /// - Parameter advance: a known delay of the input to undo, in input samples, as a
    ///   fraction (numerator, denominator): output k is taken at input time
    ///   k * inputRate / outputRate + advance. Used for the MP3 decoder's reduced-rate synthesis.
    /// - Parameter simd: which build of the filter kernels runs (default: the best this CPU
    ///   supports). Levels differ only in rounding (fused multiply-add), far below -120 dB.
    public init(inputRate: Int, outputRate: Int, quality: ResamplerQuality = .telephone, advance: (Int, Int) = (0, 1),
                simd: SIMDLevel = .active) {
        precondition(inputRate > 0 && outputRate > 0, "sample rates must be positive")
        precondition(advance.0 >= 0 && advance.1 > 0)
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.quality = quality
        guard inputRate != outputRate || advance.0 != 0 else {
            preDecimation = 1
            stages = []
            return
        }
        let plan = PolyphaseResampler.plan(inputRate: inputRate, outputRate: outputRate, quality: quality, advance: advance,
                                           kernels: FilterKernelSet.forLevel(simd))
        preDecimation = plan.decimation
        stages = plan.stages
    }

    /// Takes mono at `inputRate` and gives mono at `outputRate`, its length mapped by the
    /// length rule and the input's delay undone (the advance it was planned with).
    public func start(_ input: StageFormat) throws -> StageFormat {
        guard input.channels == 1, input.rate == inputRate || detached else {
            throw StageError("the resampler was planned for mono at \(inputRate) Hz, not \(input.channels) ch at \(input.rate) Hz")
        }
        return StageFormat(rate: outputRate, channels: 1,
                           frames: input.frames.map { PolyphaseResampler.outputLength(inputFrames: $0, inputRate: inputRate, outputRate: outputRate) })
    }

    /// Multiply-adds per second of input audio for this configuration (the cost model).
    public var costPerSecond: Double { stages.reduce(0) { $0 + $1.costPerSecond } }

    /// The lowest input rate at which this resampler's decimating plans keep everything
    /// they output: 4/3 of the output rate, where the equiripple plan runs its sharp
    /// stage. A decoder that can decode more cheaply at a reduced rate (MP3's synthesis
    /// at 1/2 or 1/4 of the stream rate) may go as low as this and no lower.
    public static func lowestUsefulInputRate(outputRate: Int) -> Int {
        (outputRate * 4 + 2) / 3
    }

    /// Expected output length for a given input length.
    public static func outputLength(inputFrames: Int, inputRate: Int, outputRate: Int) -> Int {
        // round half up, in integers: 10 hours at 768 kHz times 2 * 16000 still fits in Int64.
        (inputFrames * outputRate * 2 + inputRate) / (2 * inputRate)
    }

    /// Hands the pre-decimation stage out, to run elsewhere (another thread) before this
    /// resampler, which from then on takes that stage's output. Nil when there is none.
    /// The resampler then no longer sees the original input's length: whoever detaches it
    /// sets ``expectedOutputFrames`` before draining.
    public func detachPreDecimator() -> AudioStage? {
        guard stages.count == 2, !detached else { return nil }
        detached = true
        return PreDecimator(stage: stages[0])
    }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        if detached {
            let before = output.count
            stages[1].process(input, into: &output, limit: .max)
            emitted += output.count - before
            return
        }
        received += input.count
        if stages.isEmpty { output.append(contentsOf: input); emitted += input.count; return }
        let before = output.count
        if stages.count == 1 {
            stages[0].process(input, into: &output, limit: .max)
        } else {
            scratch.removeAll(keepingCapacity: true)
            stages[0].process(input, into: &scratch, limit: .max)
            scratch.withUnsafeBufferPointer { stages[1].process($0, into: &output, limit: .max) }
        }
        emitted += output.count - before
    }

    public func drain(into output: inout [Float]) {
        precondition(!detached || expectedOutputFrames != nil, "a resampler whose first stage runs elsewhere needs expectedOutputFrames")
        let total = expectedOutputFrames
            ?? PolyphaseResampler.outputLength(inputFrames: received, inputRate: inputRate, outputRate: outputRate)
        guard !stages.isEmpty else {
            // Identity (the same rate, no delay): the expected length is the input's.
            if total > emitted { output.append(contentsOf: repeatElement(0, count: total - emitted)); emitted = total }
            return
        }
        let before = output.count
        if detached {
            stages[1].drain(into: &output, limit: total - emitted)
        } else if stages.count == 1 {
            stages[0].drain(into: &output, limit: total - emitted)
        } else {
            scratch.removeAll(keepingCapacity: true)
            stages[0].drain(into: &scratch, limit: .max)
            scratch.withUnsafeBufferPointer { stages[1].process($0, into: &output, limit: total - emitted) }
            let got = output.count - before
            stages[1].drain(into: &output, limit: total - emitted - got)
        }
        emitted += output.count - before
        assert(emitted == total, "resampler emitted \(emitted) of \(total)")
    }

    // MARK: Planning

    struct Plan { var decimation: Int; var stages: [PolyphaseStage] }

    static func plan(inputRate: Int, outputRate: Int, quality q: ResamplerQuality, advance: (Int, Int),
                     kernels: FilterKernelSet = .active) -> Plan {
        let nyquist = Double(min(inputRate, outputRate)) / 2
        let pass = q.passbandEdge * nyquist, stop = q.stopbandEdge * nyquist
        let single = PolyphaseStage.Shape(inNumerator: inputRate, outDenominator: outputRate, inputRate: Double(inputRate),
                                          pass: pass, stop: stop, attenuationDB: q.attenuationDB, advance: advance)
        // Candidates are costed from their shapes; only the chosen stages are designed.
        var best = (decimation: 1, shapes: [single])
        var bestCost = single.costPerSecond
        if inputRate > outputRate {
            var d = 2
            // The intermediate rate must stay at or above the output rate, and the first
            // stage's stopband (intermediate rate - stop) must lie above the passband.
            while Double(inputRate) / Double(d) >= Double(outputRate) && Double(inputRate) / Double(d) - stop > pass * 1.05 {
                let mid = Double(inputRate) / Double(d)
                let first = PolyphaseStage.Shape(inNumerator: d, outDenominator: 1, inputRate: Double(inputRate),
                                                 pass: pass, stop: mid - stop, attenuationDB: q.attenuationDB, advance: advance)
                let second = PolyphaseStage.Shape(inNumerator: inputRate, outDenominator: outputRate * d, inputRate: mid,
                                                  pass: pass, stop: stop, attenuationDB: q.attenuationDB)
                let cost = first.costPerSecond + second.costPerSecond
                if cost < bestCost { bestCost = cost; best = (d, [first, second]) }
                d += 1
            }
            // Or: a wide rational first stage to 4/3 of the output rate, then an equiripple
            // sharp stage with three phases (x3/4), a third shorter than the Kaiser one.
            let mid = Double(outputRate) * 4 / 3
            if Double(inputRate) > mid && mid - stop > pass * 1.05 {
                let first = PolyphaseStage.Shape(inNumerator: inputRate * 3, outDenominator: outputRate * 4, inputRate: Double(inputRate),
                                                 pass: pass, stop: mid - stop, attenuationDB: q.attenuationDB, advance: advance)
                let second = PolyphaseStage.Shape(inNumerator: 4, outDenominator: 3, inputRate: mid, pass: pass, stop: stop,
                                                  attenuationDB: q.attenuationDB, design: .equiripple)
                // (A custom quality whose design fails keeps the Kaiser plans.)
                if first.costPerSecond + second.costPerSecond < bestCost,
                   EquirippleDesign.prototype(PolyphaseStage.equirippleSpec(phases: 3, pass: pass / mid, stop: stop / mid,
                                                                            attenuationDB: q.attenuationDB)) != nil {
                    best = (1, [first, second])
                }
            }
        }
        return Plan(decimation: best.decimation, stages: best.shapes.map { PolyphaseStage($0, kernels: kernels) })
    }
}

/// A resampler's first stage running on its own (see `detachPreDecimator()`).
final class PreDecimator: AudioStage {
    let inputChannels = 1
    let outputChannels = 1
    private let stage: PolyphaseStage

    init(stage: PolyphaseStage) { self.stage = stage }

    func start(_ input: StageFormat) throws -> StageFormat {
        guard input.channels == 1, Double(input.rate) == stage.inputRate else {
            throw StageError("the pre-decimator was planned for mono at \(Int(stage.inputRate)) Hz")
        }
        return StageFormat(rate: Int((stage.inputRate * Double(stage.phasesL) / Double(stage.stepM)).rounded()), channels: 1)
    }

    func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        stage.process(input, into: &output, limit: .max)
    }

    func drain(into output: inout [Float]) { stage.drain(into: &output, limit: .max) }
}

/// One polyphase filtering stage: output k is sum_j c[phase(k)][j] * x[pos(k) - H + 1 + j],
/// where pos(k) + phase(k)/L = k * M / L is the output's time in input samples.
final class PolyphaseStage: CustomStringConvertible {
    /// Up to this many coefficients (1.6 MB) the exact filter of every phase is stored;
    /// beyond it the table holds `interpolatedPhases` phases and coefficients are
    /// interpolated linearly.
    static let maxExactTable = 1024 * 400
    static let interpolatedPhases = 1024

    enum Kernel { case exact, interpolated }

    /// How the filter is designed: a Kaiser-windowed sinc (closed form, any phase count),
    /// or an equiripple prototype (Parks-McClellan; for the sharp stage's three phases).
    enum Design: Hashable, Sendable { case kaiser, equiripple }

    let stepM: Int          // input samples per L outputs
    let phasesL: Int        // outputs per M input samples
    let halfLength: Int     // H
    let stride: Int         // taps per phase row, 2H rounded up to the SIMD width
    let kernel: Kernel
    let design: Design
    let inputRate: Double
    let pass: Double, stop: Double
    private let table: [Float]
    private let kernels: FilterKernelSet
    private var buffer: [Float]
    private var bufferStart: Int   // absolute input index of buffer[0]
    private var pos = 0            // absolute input index of floor(output time)
    private var phase = 0          // output time fraction, numerator over L
    private var received = 0
    private var produced = 0

    var description: String {
        "\(Int(inputRate)) Hz x\(phasesL)/\(stepM) (\(2 * halfLength) taps\(design == .equiripple ? " equiripple" : ""), \(kernel == .exact ? "\(phasesL) exact phases" : "\(Self.interpolatedPhases) interpolated phases"))"
    }

    /// Multiply-adds per second of this stage's output.
    let costPerSecond: Double

    /// What a stage is without its filter table: enough to cost it (the planner compares
    /// candidates by this, designing only the stages it picks) and to design it.
    struct Shape {
        let stepM: Int, phasesL: Int, halfLength: Int, stride: Int
        let kernel: Kernel
        let design: Design
        let inputRate: Double, pass: Double, stop: Double, attenuationDB: Double
        /// Start offset in input samples, as a whole number of phases (the advance).
        let start: Int

        init(inNumerator: Int, outDenominator: Int, inputRate: Double, pass: Double, stop: Double, attenuationDB: Double,
             advance: (Int, Int) = (0, 1), design: Design = .kaiser) {
            let g = gcd(inNumerator, outDenominator)
            // Scale the phase count so the start offset (a fraction of an input sample) is a whole phase.
            let a = gcd(advance.0, advance.1)
            let advanceDen = advance.1 / max(a, 1), advanceNum = advance.0 / max(a, 1)
            let scale = advanceDen / gcd(outDenominator / g, advanceDen)
            stepM = inNumerator / g * scale
            phasesL = outDenominator / g * scale
            self.inputRate = inputRate
            self.pass = pass
            self.stop = stop
            self.attenuationDB = attenuationDB
            self.design = design
            let transition = (stop - pass) / inputRate                  // cycles per input sample
            switch design {
            case .kaiser:
                let taps = (attenuationDB - 7.95) / (2.285 * 2 * Double.pi * transition) + 1
                halfLength = max(2, Int(ceil(taps / 2)))
                stride = (2 * halfLength + 15) / 16 * 16   // the kernels take multiples of 16
            case .equiripple:
                let spec = PolyphaseStage.equirippleSpec(phases: phasesL, pass: pass / inputRate, stop: stop / inputRate,
                                                         attenuationDB: attenuationDB)
                halfLength = (spec.halfOrder + 1) / phasesL
                stride = 2 * halfLength
            }
            kernel = phasesL * stride <= PolyphaseStage.maxExactTable ? .exact : .interpolated
            start = advanceNum * phasesL / advanceDen
        }

        /// Multiply-adds per second of this stage's output.
        var costPerSecond: Double {
            let outRate = inputRate * Double(phasesL) / Double(stepM)
            return outRate * Double(stride) * (kernel == .exact ? 1 : 2)
        }
    }

    convenience init(inNumerator: Int, outDenominator: Int, inputRate: Double, pass: Double, stop: Double, attenuationDB: Double,
                     advance: (Int, Int) = (0, 1), design: Design = .kaiser, kernels: FilterKernelSet = .active) {
        self.init(Shape(inNumerator: inNumerator, outDenominator: outDenominator, inputRate: inputRate, pass: pass, stop: stop,
                        attenuationDB: attenuationDB, advance: advance, design: design), kernels: kernels)
    }

    /// Builds the stage of a shape, designing its filter table (or taking it from the cache).
    init(_ shape: Shape, kernels: FilterKernelSet = .active) {
        self.kernels = kernels
        design = shape.design
        stepM = shape.stepM
        phasesL = shape.phasesL
        halfLength = shape.halfLength
        stride = shape.stride
        kernel = shape.kernel
        inputRate = shape.inputRate
        pass = shape.pass
        stop = shape.stop
        let key = FilterTableKey(phases: phasesL, kernelExact: kernel == .exact, halfLength: halfLength, stride: stride,
                                 attenuation: shape.attenuationDB, method: design, pass: pass / inputRate, stop: stop / inputRate)
        table = FilterTableKey.cached(key)
        // History: H - 1 zeros stand for the samples before the start, so output 0 is centred on input 0.
        buffer = [Float](repeating: 0, count: halfLength - 1)
        bufferStart = -(halfLength - 1)
        pos = shape.start / phasesL
        phase = shape.start % phasesL
        costPerSecond = shape.costPerSecond
    }

    /// The prototype of an equiripple stage with L = `phases` and band edges in cycles per
    /// input sample: it runs at L times the input rate, and its length fills whole rows of
    /// the kernels' width (multiples of 16 taps per phase), every tap used.
    static func equirippleSpec(phases: Int, pass: Double, stop: Double, attenuationDB: Double) -> EquirippleDesign.Spec {
        let l = Double(phases)
        let taps = EquirippleDesign.estimatedTaps(transition: (stop - pass) / l, passRipple: EquirippleDesign.passbandRipple,
                                                  stopRipple: pow(10, -attenuationDB / 20))
        let stride = ((taps + phases - 1) / phases + 15) / 16 * 16
        return EquirippleDesign.Spec(halfOrder: stride / 2 * phases - 1, pass: pass / l, stop: stop / l, attenuationDB: attenuationDB)
    }

    func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float], limit: Int) {
        received += input.count
        buffer.append(contentsOf: input)
        run(into: &output, limit: limit, draining: false)
    }

    /// Pads with zeros and produces the outputs whose time lies before the end of the
    /// input, or exactly `limit` of them when a limit is given (fewer, or more from the
    /// zero-padded input).
    func drain(into output: inout [Float], limit: Int) {
        // Outputs k with k * M / L (+ start) < received: ceil(received * L / M) of them.
        let target = (received * phasesL + stepM - 1) / stepM
        let want = limit == .max ? target - produced : limit
        guard want > 0 else { return }
        let end = output.count + want
        while output.count < end {
            buffer.append(contentsOf: repeatElement(0, count: stride + stepM / phasesL + 1))
            run(into: &output, limit: end - output.count, draining: true)
        }
    }

    /// Outputs per block of the kernel: the integer decimator computes four at a time,
    /// the exact polyphase kernel 4L (four per phase row), the interpolated one singly.
    private var blockOutputs: Int { phasesL == 1 ? 4 : kernel == .exact ? 4 * phasesL : 1 }

    /// Computes the outputs whose windows lie inside the buffer, at most `limit`. While
    /// streaming only whole kernel blocks (the rest waits for more input); when draining,
    /// everything.
    private func run(into output: inout [Float], limit: Int, draining: Bool) {
        let h = halfLength, s = stride, m = stepM, l = phasesL
        // Output i sits at input pos + (phase + i * M) / L and needs samples up to that - H + s.
        let lastPos = bufferStart + buffer.count - s + h - 1
        guard lastPos >= pos, limit > 0 else { return }
        let available = ((lastPos - pos + 1) * l - phase + m - 1) / m
        let n = min(limit, draining ? available : available - available % blockOutputs)
        guard n > 0 else { return }
        let first = output.count
        output.appendZeros(n)
        buffer.withUnsafeBufferPointer { buf in
            table.withUnsafeBufferPointer { tab in
                output.withUnsafeMutableBufferPointer { outBuf in
                    let out = outBuf.baseAddress! + first
                    let window = buf.baseAddress! + (pos - h + 1 - bufferStart)
                    if l == 1 {
                        kernels.decimate(tab.baseAddress!, s, window, m, out, n)
                    } else if kernel == .exact {
                        kernels.polyphase(tab.baseAddress!, s, l, m, window, phase, out, n)
                    } else {
                        kernels.interpolatedPolyphase(tab.baseAddress!, s, Self.interpolatedPhases + 1, l, m, window, phase, out, n)
                    }
                }
            }
        }
        produced += n
        let advanced = phase + n * m
        pos += advanced / l
        phase = advanced % l
        // Drop history no output will need again (keep it amortised: only in big chunks).
        let consumed = pos - h + 1 - bufferStart
        if consumed > 8192 {
            buffer.removeFirst(consumed)
            bufferStart += consumed
        }
    }
}

/// Identifies a designed filter table; tables are designed once per process and shared
/// (batch conversions open thousands of resamplers with the same few designs).
struct FilterTableKey: Hashable, Sendable {
    let phases: Int
    let kernelExact: Bool
    let halfLength: Int
    let stride: Int
    let attenuation: Double
    let method: PolyphaseStage.Design
    let pass: Double, stop: Double   // band edges in cycles per input sample

    /// Designed tables, most recently used last, at most ``cacheLimit`` bytes of them.
    private static let cache = Locked<(entries: [(key: FilterTableKey, table: [Float])], bytes: Int)>(([], 0))
    /// Enough for every table of a batch over the common rates at two output rates; a
    /// stream of odd rates evicts the oldest instead of growing without end.
    static let cacheLimit = 16 << 20

    /// The table for `key`, designed once and shared. The design runs without the lock
    /// held, so one slow design never stalls other threads' lookups.
    static func cached(_ key: FilterTableKey) -> [Float] {
        let hit: [Float]? = cache.withLock { c in
            guard let i = c.entries.firstIndex(where: { $0.key == key }) else { return nil }
            let entry = c.entries.remove(at: i)
            c.entries.append(entry)
            return entry.table
        }
        if let t = hit { return t }
        let t = key.design()
        return cache.withLock { c in
            if let i = c.entries.firstIndex(where: { $0.key == key }) { return c.entries[i].table }   // designed meanwhile elsewhere
            let bytes = t.count * MemoryLayout<Float>.size
            guard bytes <= cacheLimit else { return t }
            c.entries.append((key, t))
            c.bytes += bytes
            while c.bytes > cacheLimit, let oldest = c.entries.first {
                c.bytes -= oldest.table.count * MemoryLayout<Float>.size
                c.entries.removeFirst()
            }
            return t
        }
    }

    /// Tables kept now whose filters have this stopband attenuation (for tests).
    static func cachedCount(attenuation: Double) -> Int {
        cache.withLock { c in c.entries.filter { $0.key.attenuation == attenuation }.count }
    }

    /// Bytes of tables kept now (for tests).
    static var cachedBytes: Int { cache.withLock { $0.bytes } }

    func design() -> [Float] {
        method == .equiripple ? equiripple() : kaiser()
    }

    /// The equiripple prototype at L times the input rate, split into L phase rows.
    /// Row r, tap j holds the prototype at time (j - (H - 1)) - r / L input samples, like
    /// the Kaiser rows; one common gain makes the DC gain of the whole L.
    private func equiripple() -> [Float] {
        let l = phases, h = halfLength
        let spec = PolyphaseStage.equirippleSpec(phases: l, pass: pass, stop: stop, attenuationDB: attenuation)
        let m = spec.halfOrder                             // prototype: 2m + 1 taps, centred (m = h * l - 1)
        guard let proto = EquirippleDesign.prototype(spec) else {
            preconditionFailure("equiripple design failed for \(self)")
        }
        let gain = Double(l) / proto.reduce(0, +)
        var t = [Float](repeating: 0, count: l * stride)
        for r in 0..<l {
            for j in 0..<(2 * h) {
                let k = (j - (h - 1)) * l - r                  // prototype index relative to its centre
                if abs(k) <= m { t[r * stride + j] = Float(proto[k + m] * gain) }
            }
        }
        return t
    }

    /// Kaiser-windowed sinc, one row per phase, each row normalised to unity DC gain.
    private func kaiser() -> [Float] {
        let attenuationDB = attenuation
        let beta = attenuationDB > 50 ? 0.1102 * (attenuationDB - 8.7)
            : attenuationDB >= 21 ? 0.5842 * pow(attenuationDB - 21, 0.4) + 0.07886 * (attenuationDB - 21) : 0
        let rows = kernelExact ? phases : PolyphaseStage.interpolatedPhases + 1
        let rowDivisor = Double(kernelExact ? phases : PolyphaseStage.interpolatedPhases)
        var t = [Float](repeating: 0, count: rows * stride)
        let h = halfLength
        let i0beta = besselI0(beta)
        let cutoff = (pass + stop) / 2                      // mid-transition, cycles per input sample
        var row = [Double](repeating: 0, count: 2 * h)
        for r in 0..<rows {
            let frac = Double(r) / rowDivisor
            for j in 0..<(2 * h) {
                let x = Double(j - (h - 1)) - frac                   // tap time relative to output time
                let ratio = x / Double(h)
                let window = abs(ratio) >= 1 ? 0 : besselI0(beta * (1 - ratio * ratio).squareRoot()) / i0beta
                row[j] = 2 * cutoff * sinc(2 * cutoff * x) * window
            }
            let sum = row.reduce(0, +)                               // unity gain at DC in every phase
            for j in 0..<(2 * h) { t[r * stride + j] = Float(row[j] / sum) }
        }
        return t
    }
}

func sinc(_ x: Double) -> Double { x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x) }

/// Modified Bessel function of the first kind, order 0: Abramowitz & Stegun 9.8.1 and
/// 9.8.2 (relative error below 2e-7, a window error near -134 dB, far below any design
/// here), 10x faster than the power series, which matters for the 100k-tap tables.
func besselI0(_ x: Double) -> Double {
    let ax = abs(x)
    if ax < 3.75 {
        let t = (x / 3.75) * (x / 3.75)
        return 1 + t * (3.5156229 + t * (3.0899424 + t * (1.2067492 + t * (0.2659732 + t * (0.0360768 + t * 0.0045813)))))
    }
    let t = 3.75 / ax
    let p = 0.39894228 + t * (0.01328592 + t * (0.00225319 + t * (-0.00157565 + t * (0.00916281
        + t * (-0.02057706 + t * (0.02635537 + t * (-0.01647633 + t * 0.00392377)))))))
    return exp(ax) / ax.squareRoot() * p
}

func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
