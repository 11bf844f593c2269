#pragma once

#include <QPainterPath>
#include <QPointF>
#include <QPolygonF>

#include <cstdint>
#include <random>
#include <vector>

namespace faultline {

/// The moving dots of the traffic animation (Vizceral's and Kiali's convention): each edge is a lane that
/// particles cross from caller to callee. How many leave per second grows with the log of the edge's rate,
/// how long one takes to cross grows with the edge's latency (kMinCrossSeconds..kMaxCrossSeconds of wall
/// time), and the share of error particles follows the error rate. The total is capped so thousands of
/// edges stay cheap: past the cap every lane's spawn rate is scaled down alike. No widgets, no timers: the
/// owner calls advance() with the wall time that passed; the random generator is seeded, so a run is exact.
class TrafficAnimation {
public:
    struct Particle {
        int lane = 0;
        double t = 0.0; ///< 0 at the caller, 1 at the callee
        bool error = false;
    };

    static constexpr double kMinCrossSeconds = 0.5;
    static constexpr double kMaxCrossSeconds = 4.0;
    static constexpr int kDefaultCap = 1500;
    /// Longest step advance() takes at once, so a stalled timer does not dump a burst of particles.
    static constexpr double kMaxStep = 0.25;

    explicit TrafficAnimation(uint64_t seed = 0x5eedf00dULL);

    /// Drops every lane and particle and starts over with `lanes` idle lanes without a path.
    void reset(int lanes);
    int laneCount() const { return static_cast<int>(m_lanes.size()); }
    /// The route of a lane, caller to callee; curves are flattened once here, not per frame.
    void setPath(int lane, const QPainterPath& path);
    /// The lane's traffic: rate, error fraction and latency in ms (<= 0 or NaN: unknown).
    void setTraffic(int lane, double rps, double errorRate, double latencyMs);
    void setCap(int cap);
    int cap() const { return m_cap; }

    /// Moves every particle `wallSeconds` on (at most kMaxStep), retires those that arrived, spawns new ones.
    void advance(double wallSeconds);
    /// Fills every lane with the particles it holds in the steady state, so the animation does not start empty.
    void warmUp();

    const std::vector<Particle>& particles() const { return m_particles; }
    int particleCount(int lane) const;
    /// Where a particle is, on its lane's path.
    QPointF position(const Particle& particle) const;
    /// Any lane with traffic and a path: whether there is anything to animate.
    bool hasTraffic() const;
    uint64_t spawned() const { return m_spawned; }
    uint64_t spawnedErrors() const { return m_spawnedErrors; }

    /// Wall seconds a particle takes to cross an edge with this latency: increasing, within the bounds.
    static double crossingSeconds(double latencyMs);
    /// Particles per second on an edge carrying `rps`, before the cap: 0 when idle, log-compressed.
    static double spawnRate(double rps);

private:
    struct Lane {
        QPolygonF points;
        std::vector<double> cumulative; ///< length along `points` up to each point
        double length = 0.0;
        double rate = 0.0; ///< spawns per second, before the cap
        double errorRate = 0.0;
        double cross = kMinCrossSeconds;
        double untilNext = 0.0; ///< seconds until the next spawn
    };
    void updateScale();
    double nextGap(const Lane& lane);
    bool spawnError(const Lane& lane);

    std::vector<Lane> m_lanes;
    std::vector<Particle> m_particles;
    std::mt19937_64 m_rng;
    uint64_t m_seed;
    int m_cap = kDefaultCap;
    double m_scale = 1.0; ///< applied to every lane's rate to respect the cap
    bool m_scaleDirty = true;
    uint64_t m_spawned = 0;
    uint64_t m_spawnedErrors = 0;
};

} // namespace faultline
