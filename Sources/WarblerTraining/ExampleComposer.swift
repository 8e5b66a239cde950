// The augmentation recipe on waveforms: one training example (a fixed-length clip and its label
// vector) from (seed, epoch, index) alone. Steps, in order (see docs/training.md):
//  1. how many calls: none with probability noCallShare, else 1 plus up to maxCalls - 1 further
//     calls, each added with probability extraCallProbability;
//  2. each call: a random crop of a recording (the first from the epoch's order or drawn
//     class-balanced, the others drawn at random), time-stretched and pitch-shifted on their own
//     draws, sometimes low-passed (as if recorded at a lower rate) or cut to a short piece (a
//     call shorter than the clip), scaled to peak 1,
//     further calls attenuated by extraCallGainDB; the calls are summed and their label vectors united (element-wise max);
//     a clip with no call is a background recording crop (or coloured noise) at
//     backgroundOnlyLevelDB, labels all 0;
//  3. a real background recording at backgroundSNRDB, then noise at noiseSNRDB (both relative
//     to the clip's RMS above snrHighPassHz at that point);
//  4. circular time shift, low-pass, gain, then the clip's overall level;
//  5. mixup with a second example composed the same way from its own streams.
import Foundation
import WarblerAudio

/// One training clip and its labels.
public struct Example: Sendable, Equatable {
    /// Mono samples at the data's sample rate, the crop's length.
    public var samples: [Float]
    /// Soft or multi-hot labels, [classes.count], each in [0, 1].
    public var labels: [Float]
    /// The data entry of the first call; -1 for a clip with no call.
    public var file: Int
}

public struct ExampleComposer: Sendable {
    public let data: TrainingData
    public let augmentation: AugmentationConfig
    public let crop: CropConfig
    public let seed: UInt64
    /// Crop length, samples.
    public let length: Int

    /// Validates the configs against the data (before any work).
    public init(data: TrainingData, augmentation: AugmentationConfig, crop: CropConfig = CropConfig(), seed: UInt64) throws {
        try augmentation.validate(sampleRate: data.sampleRate)
        try crop.validate()
        let length = crop.length(sampleRate: data.sampleRate)
        try data.requireCrop(length: length, seconds: crop.seconds)
        self.data = data
        self.augmentation = augmentation
        self.crop = crop
        self.seed = seed
        self.length = length
    }

    /// The order in which an epoch visits the training files (a seeded shuffle of every file),
    /// used for each example's first call unless sampling is class-balanced.
    public func epochOrder(epoch: Int) -> [Int] {
        var rng = TrainingRandom.generator(seed: seed, epoch: epoch, purpose: .epochOrder)
        return Array(0..<data.count).shuffled(using: &rng)
    }

    /// The file of example `index`'s first call.
    public func firstFile(epoch: Int, index: Int, order: [Int]) -> Int {
        if crop.classBalanced { return randomFile(epoch: epoch, index: index, purpose: .choice, salt: 0) }
        return order[index % order.count]
    }

    /// A file drawn at random: class-balanced (class uniform among those present, then file)
    /// when `crop.classBalanced`, else uniform over files.
    func randomFile(epoch: Int, index: Int, purpose: RandomPurpose, salt: Int) -> Int {
        var rng = TrainingRandom.generator(seed: seed, epoch: epoch, index: index, purpose: purpose, salt: salt)
        if crop.classBalanced {
            let present = data.presentClasses
            let files = data.filesByClass[present[rng.nextInt(present.count)]]
            return files[rng.nextInt(files.count)]
        }
        return rng.nextInt(data.count)
    }

    /// Example `index` of `epoch`: the whole waveform recipe including mixup.
    public func example(epoch: Int, index: Int, order: [Int]) -> Example {
        let a = composed(epoch: epoch, index: index, variant: 0, firstFile: firstFile(epoch: epoch, index: index, order: order))
        var rng = TrainingRandom.generator(seed: seed, epoch: epoch, index: index, purpose: .mixup)
        guard rng.chance(augmentation.mixupProbability) else { return a }
        let lambda = Mixup.beta(alpha: augmentation.mixupAlpha, rng: &rng)
        let partner = randomFile(epoch: epoch, index: index, purpose: .mixup, salt: 1)
        let b = composed(epoch: epoch, index: index, variant: 1, firstFile: partner)
        let m = Mixup.mixed(a.samples, labels: a.labels, with: b.samples, labels: b.labels, lambda: lambda)
        return Example(samples: m.samples, labels: m.labels, file: a.file)
    }

    /// Steps 1-4 of the recipe. `variant` separates the random streams of a mixup partner.
    func composed(epoch: Int, index: Int, variant: Int, firstFile: Int) -> Example {
        let c = augmentation
        func rng(_ purpose: RandomPurpose, _ salt: Int = 0) -> SplitMix64 {
            TrainingRandom.generator(seed: seed, epoch: epoch, index: index, purpose: purpose, salt: variant * 64 + salt)
        }
        var labels = [Float](repeating: 0, count: data.classes.count)
        var clip = [Float](repeating: 0, count: length)
        // 1. How many calls.
        var count = rng(.choice, 1)
        var calls = 0
        if !count.chance(c.noCallShare) {
            calls = 1
            while calls < c.maxCalls && count.chance(c.extraCallProbability) { calls += 1 }
        }
        // 2. The calls.
        for k in 0..<calls {
            let file = k == 0 ? firstFile : randomFile(epoch: epoch, index: index, purpose: .extraCalls, salt: variant * 64 + k)
            var call = callClip(file: file, rng: { rng($0, k) })
            if c.peakNormalizeCalls, let peak = call.map(abs).max(), peak > 0 { call = call.map { $0 / peak } }
            if k > 0 {
                var g = rng(.gain, 32 + k)
                call = Waveform.gained(call, dB: g.uniform(c.extraCallGainDB.lower, c.extraCallGainDB.upper))
            }
            for i in 0..<length { clip[i] += call[i] }
            for (j, v) in data.labels[file].enumerated() where v > labels[j] { labels[j] = v }
        }
        if calls == 0 {
            var g = rng(.background, 1)
            let level = pow(10, g.uniform(c.backgroundOnlyLevelDB.lower, c.backgroundOnlyLevelDB.upper) / 20)
            clip = Waveform.scaled(backgroundOrNoise(&g), toRMS: level)
        }
        // 3. Background recording, then coloured noise.
        var bg = rng(.background)
        if !data.backgrounds.isEmpty && bg.chance(c.backgroundProbability) {
            let snr = bg.uniform(c.backgroundSNRDB.lower, c.backgroundSNRDB.upper)
            let b = data.backgrounds[bg.nextInt(data.backgrounds.count)]
            clip = Waveform.mixed(
                clip, with: Crop.random(from: b, length: length, policy: .loop, rng: &bg), snrDB: snr,
                above: c.snrHighPassHz, sampleRate: data.sampleRate)
        }
        var nz = rng(.noise)
        if nz.chance(c.noiseProbability) {
            let snr = nz.uniform(c.noiseSNRDB.lower, c.noiseSNRDB.upper)
            let color = c.noiseColors[nz.nextInt(c.noiseColors.count)]
            let noise = ColoredNoise.generate(color, count: length, sampleRate: data.sampleRate, rng: &nz)
            if calls == 0 {
                // A clip with no call: the noise joins the background at a level the SNR sets
                // relative to it (the SNR has no signal to refer to).
                clip = Waveform.mixed(clip, with: noise, snrDB: snr - 10, sampleRate: data.sampleRate)
            } else {
                clip = Waveform.mixed(clip, with: noise, snrDB: snr, above: c.snrHighPassHz, sampleRate: data.sampleRate)
            }
        }
        // 4. Shift, low-pass, gain.
        var sh = rng(.shift)
        if sh.chance(c.timeShiftProbability) {
            let m = Int(c.timeShiftMaxFraction * Double(length))
            clip = Waveform.rolled(clip, by: sh.nextInt(2 * m + 1) - m)
        }
        var lp = rng(.lowPass)
        if lp.chance(c.lowPassProbability) {
            clip = LowPass.filtered(clip, cutoff: lp.uniform(c.lowPassCutoffHz.lower, c.lowPassCutoffHz.upper), sampleRate: data.sampleRate)
        }
        var gn = rng(.gain)
        if gn.chance(c.gainProbability) { clip = Waveform.gained(clip, dB: gn.uniform(c.gainDB.lower, c.gainDB.upper)) }
        if let level = c.levelDBFS {
            var lv = rng(.level)
            clip = Waveform.scaled(clip, toRMS: pow(10, lv.uniform(level.lower, level.upper) / 20))
        }
        return Example(samples: clip, labels: labels, file: calls > 0 ? firstFile : -1)
    }

    /// One call: crop (longer or shorter when it will be time-stretched), stretch, pitch shift.
    private func callClip(file: Int, rng: (RandomPurpose) -> SplitMix64) -> [Float] {
        let c = augmentation
        var st = rng(.stretch)
        let factor = st.chance(c.timeStretchProbability) ? st.uniform(c.timeStretchFactor.lower, c.timeStretchFactor.upper) : 1
        var cr = rng(.crop)
        let source = factor == 1 ? length : Int((Double(length) / factor).rounded(.up))
        var call = Crop.random(from: data.audio[file], length: source, policy: crop.shortClips, rng: &cr)
        if factor != 1 { call = fitted(TimeStretch.stretched(call, factor: factor)) }
        var ps = rng(.pitch)
        if ps.chance(c.pitchShiftProbability) {
            let semitones = ps.uniform(c.pitchShiftSemitones.lower, c.pitchShiftSemitones.upper)
            call = (try? PitchShift.shifted(call, semitones: semitones, sampleRate: data.sampleRate)) ?? call
        }
        var cl = rng(.callLowPass)
        if cl.chance(c.callLowPassProbability) {
            call = LowPass.filtered(
                call, cutoff: cl.uniform(c.callLowPassCutoffHz.lower, c.callLowPassCutoffHz.upper),
                sampleRate: data.sampleRate)
        }
        var sc = rng(.shortCall)
        if sc.chance(c.shortCallProbability) {
            let sr = Double(data.sampleRate)
            let n = min(length, max(1, Int(sc.uniform(c.shortCallSeconds.lower, c.shortCallSeconds.upper) * sr)))
            call = Self.kept(call, from: sc.nextInt(length - n + 1), count: n, fade: Int(0.01 * sr))
        }
        return call
    }

    /// `x` with only samples `start ..< start + count` kept (faded in and out over `fade`
    /// samples, so the cut makes no click), zeros elsewhere.
    static func kept(_ x: [Float], from start: Int, count: Int, fade: Int) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        let f = max(1, min(fade, count / 2))
        for i in 0..<count {
            let ramp = Float(min(1, Double(min(i + 1, count - i)) / Double(f)))
            out[start + i] = x[start + i] * ramp
        }
        return out
    }

    /// A background-only clip's content: a background recording crop, or coloured noise when
    /// there are no background recordings.
    private func backgroundOrNoise(_ rng: inout SplitMix64) -> [Float] {
        if !data.backgrounds.isEmpty {
            return Crop.random(from: data.backgrounds[rng.nextInt(data.backgrounds.count)], length: length, policy: .loop, rng: &rng)
        }
        let colors = augmentation.noiseColors.isEmpty ? NoiseColor.allCases : augmentation.noiseColors
        return ColoredNoise.generate(colors[rng.nextInt(colors.count)], count: length, sampleRate: data.sampleRate, rng: &rng)
    }

    /// `x` cut or zero-padded to the crop length.
    private func fitted(_ x: [Float]) -> [Float] {
        if x.count >= length { return Array(x[0..<length]) }
        return x + [Float](repeating: 0, count: length - x.count)
    }
}
