#include "trafficanimation.h"

#include <algorithm>
#include <cmath>

namespace faultline {

namespace {
constexpr double kDefaultLatencyMs = 50.0; ///< when an edge reports none (e.g. an async publish)
constexpr double kSlowestLatencyMs = 10000.0; ///< this latency or more takes kMaxCrossSeconds
constexpr double kSpawnPerDecade = 2.0; ///< spawns per second for each factor of ten in rps
/// The cap leaves this much head room, so spawns are rarely refused outright (which would look jerky).
constexpr double kCapShare = 0.85;

double uniform(std::mt19937_64& rng)
{
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}
} // namespace

TrafficAnimation::TrafficAnimation(uint64_t seed)
    : m_rng(seed)
    , m_seed(seed)
{
}

double TrafficAnimation::crossingSeconds(double latencyMs)
{
    if (!std::isfinite(latencyMs) || latencyMs <= 0.0) latencyMs = kDefaultLatencyMs;
    const double x = std::clamp(std::log10(1.0 + latencyMs) / std::log10(1.0 + kSlowestLatencyMs), 0.0, 1.0);
    return kMinCrossSeconds + (kMaxCrossSeconds - kMinCrossSeconds) * x;
}

double TrafficAnimation::spawnRate(double rps)
{
    if (!std::isfinite(rps) || rps <= 0.0) return 0.0;
    return kSpawnPerDecade * std::log10(1.0 + rps);
}

void TrafficAnimation::reset(int lanes)
{
    m_lanes.assign(static_cast<size_t>(std::max(lanes, 0)), Lane {});
    m_particles.clear();
    m_rng.seed(m_seed);
    m_spawned = 0;
    m_spawnedErrors = 0;
    m_scaleDirty = true;
}

void TrafficAnimation::setPath(int lane, const QPainterPath& path)
{
    if (lane < 0 || lane >= laneCount()) return;
    Lane& l = m_lanes[static_cast<size_t>(lane)];
    const QList<QPolygonF> polygons = path.toSubpathPolygons();
    l.points = polygons.isEmpty() ? QPolygonF() : polygons.first();
    l.cumulative.assign(static_cast<size_t>(l.points.size()), 0.0);
    double length = 0.0;
    for (qsizetype i = 1; i < l.points.size(); ++i) {
        const QPointF d = l.points[i] - l.points[i - 1];
        length += std::hypot(d.x(), d.y());
        l.cumulative[static_cast<size_t>(i)] = length;
    }
    l.length = length;
    m_scaleDirty = true;
}

void TrafficAnimation::setTraffic(int lane, double rps, double errorRate, double latencyMs)
{
    if (lane < 0 || lane >= laneCount()) return;
    Lane& l = m_lanes[static_cast<size_t>(lane)];
    const double rate = spawnRate(rps);
    if (l.rate <= 0.0 && rate > 0.0)
        l.untilNext = uniform(m_rng) / rate; // a random phase per lane
    else if (rate > 0.0)
        l.untilNext = std::min(l.untilNext, 1.5 / rate); // a lane that got busier does not wait out its old gap
    l.rate = rate;
    l.errorRate = std::isfinite(errorRate) ? std::clamp(errorRate, 0.0, 1.0) : 0.0;
    l.cross = crossingSeconds(latencyMs);
    m_scaleDirty = true;
}

void TrafficAnimation::setCap(int cap)
{
    m_cap = std::max(cap, 0);
    m_scaleDirty = true;
}

void TrafficAnimation::updateScale()
{
    if (!m_scaleDirty) return;
    m_scaleDirty = false;
    // Steady state: a lane holds rate x crossing time particles.
    double expected = 0.0;
    for (const Lane& l : m_lanes)
        if (l.length > 0.0) expected += l.rate * l.cross;
    const double budget = kCapShare * m_cap;
    m_scale = expected > budget ? budget / expected : 1.0;
}

double TrafficAnimation::nextGap(const Lane& lane)
{
    // Spacing jittered around the mean, so particles neither march in step nor clump like a Poisson stream.
    return (0.5 + uniform(m_rng)) / (lane.rate * m_scale);
}

bool TrafficAnimation::spawnError(const Lane& lane)
{
    return lane.errorRate > 0.0 && uniform(m_rng) < lane.errorRate;
}

void TrafficAnimation::advance(double wallSeconds)
{
    if (!std::isfinite(wallSeconds) || wallSeconds <= 0.0) return;
    const double dt = std::min(wallSeconds, kMaxStep);
    updateScale();

    // Move, and retire those that arrived (swap with the last: order does not matter, nothing is allocated).
    for (size_t i = 0; i < m_particles.size();) {
        Particle& p = m_particles[i];
        p.t += dt / m_lanes[static_cast<size_t>(p.lane)].cross;
        if (p.t >= 1.0) {
            p = m_particles.back();
            m_particles.pop_back();
        } else {
            ++i;
        }
    }

    if (m_scale <= 0.0) return;
    for (size_t li = 0; li < m_lanes.size(); ++li) {
        Lane& l = m_lanes[li];
        if (l.rate <= 0.0 || l.length <= 0.0) continue;
        l.untilNext -= dt;
        while (l.untilNext <= 0.0) {
            // Born -untilNext seconds ago: already that far along.
            const double age = -l.untilNext;
            l.untilNext += nextGap(l);
            const bool error = spawnError(l);
            if (static_cast<int>(m_particles.size()) >= m_cap) continue;
            m_particles.push_back({ static_cast<int>(li), std::min(age / l.cross, 0.999), error });
            ++m_spawned;
            if (error) ++m_spawnedErrors;
        }
    }
}

void TrafficAnimation::warmUp()
{
    updateScale();
    for (size_t li = 0; li < m_lanes.size(); ++li) {
        const Lane& l = m_lanes[li];
        if (l.rate <= 0.0 || l.length <= 0.0) continue;
        const double expected = l.rate * m_scale * l.cross;
        int n = static_cast<int>(expected);
        if (uniform(m_rng) < expected - n) ++n;
        for (int k = 0; k < n && static_cast<int>(m_particles.size()) < m_cap; ++k) {
            const bool error = spawnError(l);
            m_particles.push_back({ static_cast<int>(li), uniform(m_rng), error });
        }
    }
}

int TrafficAnimation::particleCount(int lane) const
{
    return static_cast<int>(
        std::count_if(m_particles.begin(), m_particles.end(), [lane](const Particle& p) { return p.lane == lane; }));
}

QPointF TrafficAnimation::position(const Particle& particle) const
{
    if (particle.lane < 0 || particle.lane >= laneCount()) return {};
    const Lane& l = m_lanes[static_cast<size_t>(particle.lane)];
    if (l.points.isEmpty()) return {};
    const double at = std::clamp(particle.t, 0.0, 1.0) * l.length;
    const auto it = std::upper_bound(l.cumulative.begin(), l.cumulative.end(), at);
    if (it == l.cumulative.begin()) return l.points.first();
    if (it == l.cumulative.end()) return l.points.last();
    const auto i = static_cast<qsizetype>(it - l.cumulative.begin());
    const double a = l.cumulative[static_cast<size_t>(i - 1)];
    const double span = *it - a;
    const double f = span > 0.0 ? (at - a) / span : 0.0;
    return l.points[i - 1] + (l.points[i] - l.points[i - 1]) * f;
}

bool TrafficAnimation::hasTraffic() const
{
    return std::any_of(m_lanes.begin(), m_lanes.end(), [](const Lane& l) { return l.rate > 0.0 && l.length > 0.0; });
}

} // namespace faultline
