// faultline-fleet: one of four small gRPC services, each instrumented with the Faultline agent
// (docs/control.md). gateway drives a steady load into orders; orders calls payments through a
// Resilience4j-style breaker; payments calls bank. Every process exports OTLP to the app and takes fault
// rules from the app's control service. Start all four with examples/fleet/run.sh.
#include "control/agentinterceptors.h"
#include "control/agenttelemetry.h"
#include "control/controlagent.h"
#include "otlp/otlpexporter.h"

#include "fleet.grpc.pb.h"

#include <grpcpp/client_context.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace faultline;
namespace pb = faultline::fleet::v1;

namespace {

std::atomic<bool> g_stop { false };

void onSignal(int)
{
    g_stop = true;
}

struct Options {
    std::string role;
    int port = 0; ///< 0: the role's default
    std::string orders = "127.0.0.1:7101";
    std::string payments = "127.0.0.1:7102";
    std::string bank = "127.0.0.1:7103";
    std::string otlp = "127.0.0.1:4317";
    std::string control = "127.0.0.1:4320";
    std::string token;
    double rps = 20.0;
    int work_ms = 5; ///< each service's own work per call
    int deadline_ms = 1000; ///< of every outgoing call
    int status_interval_ms = 1000;
};

const char* const kUsage = R"(usage: faultline-fleet --role gateway|orders|payments|bank [options]
  --port N            port this service listens on (default: the port of its own --orders/--payments/--bank)
  --orders HOST:PORT  where orders listens, 127.0.0.1:7101 (also --payments :7102, --bank :7103)
  --otlp HOST:PORT    the Faultline app's OTLP receiver (127.0.0.1:4317)
  --control HOST:PORT the Faultline app's control service (127.0.0.1:4320)
  --token SECRET      control plane token, when the app requires one
  --rps N             gateway: checkouts per second (20)
  --work-ms N         each service's own work per call (5)
  --deadline-ms N     deadline of every outgoing call (1000)
  --status-ms N       how often to print a status line (1000)
)";

bool parse(int argc, char** argv, Options& o, std::string& error)
{
    const std::map<std::string, std::string*> strings { { "--role", &o.role }, { "--orders", &o.orders },
        { "--payments", &o.payments }, { "--bank", &o.bank }, { "--otlp", &o.otlp }, { "--control", &o.control },
        { "--token", &o.token } };
    const std::map<std::string, int*> ints { { "--port", &o.port }, { "--work-ms", &o.work_ms },
        { "--deadline-ms", &o.deadline_ms }, { "--status-ms", &o.status_interval_ms } };
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            error.clear();
            return false;
        }
        if (i + 1 >= argc) {
            error = flag + " needs a value";
            return false;
        }
        const std::string value = argv[++i];
        try {
            if (auto s = strings.find(flag); s != strings.end())
                *s->second = value;
            else if (auto n = ints.find(flag); n != ints.end())
                *n->second = std::stoi(value);
            else if (flag == "--rps")
                o.rps = std::stod(value);
            else {
                error = "unknown option " + flag;
                return false;
            }
        } catch (const std::exception&) {
            error = flag + ": not a number: " + value;
            return false;
        }
    }
    if (o.role != "gateway" && o.role != "orders" && o.role != "payments" && o.role != "bank") {
        error = "--role must be gateway, orders, payments or bank";
        return false;
    }
    if (o.rps <= 0 || o.rps > 10000 || o.work_ms < 0 || o.deadline_ms <= 0 || o.status_interval_ms <= 0) {
        error = "--rps, --work-ms, --deadline-ms and --status-ms must be positive";
        return false;
    }
    if (o.port == 0 && o.role != "gateway") {
        // By default a service listens where the others are told to find it.
        const std::string& own = o.role == "orders" ? o.orders : o.role == "payments" ? o.payments : o.bank;
        const size_t colon = own.rfind(':');
        try {
            o.port = std::stoi(own.substr(colon == std::string::npos ? 0 : colon + 1));
        } catch (const std::exception&) {
            error = "cannot read a port from " + own;
            return false;
        }
    }
    return true;
}

grpc::Status callNext(pb::Request request, const Options& o,
    const std::function<grpc::Status(grpc::ClientContext*, const pb::Request&, pb::Reply*)>& call)
{
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(o.deadline_ms));
    pb::Reply reply;
    return call(&context, request, &reply);
}

void work(const Options& o)
{
    if (o.work_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(o.work_ms));
}

class OrdersService final : public pb::Orders::Service {
public:
    OrdersService(const Options& o, std::shared_ptr<grpc::Channel> payments)
        : o_(o)
        , payments_(pb::Payments::NewStub(payments))
    {
    }
    grpc::Status PlaceOrder(grpc::ServerContext*, const pb::Request* request, pb::Reply* reply) override
    {
        work(o_);
        const grpc::Status status = callNext(*request, o_,
            [&](grpc::ClientContext* c, const pb::Request& r, pb::Reply* p) { return payments_->Charge(c, r, p); });
        if (!status.ok())
            return grpc::Status(grpc::StatusCode::UNAVAILABLE, "payment failed: " + status.error_message());
        reply->set_detail("order placed");
        return grpc::Status::OK;
    }

private:
    const Options& o_;
    std::unique_ptr<pb::Payments::Stub> payments_;
};

class PaymentsService final : public pb::Payments::Service {
public:
    PaymentsService(const Options& o, std::shared_ptr<grpc::Channel> bank)
        : o_(o)
        , bank_(pb::Bank::NewStub(bank))
    {
    }
    grpc::Status Charge(grpc::ServerContext*, const pb::Request* request, pb::Reply* reply) override
    {
        work(o_);
        const grpc::Status status = callNext(*request, o_,
            [&](grpc::ClientContext* c, const pb::Request& r, pb::Reply* p) { return bank_->Authorize(c, r, p); });
        if (!status.ok()) return status;
        reply->set_detail("charged");
        return grpc::Status::OK;
    }

private:
    const Options& o_;
    std::unique_ptr<pb::Bank::Stub> bank_;
};

class BankService final : public pb::Bank::Service {
public:
    explicit BankService(const Options& o)
        : o_(o)
    {
    }
    grpc::Status Authorize(grpc::ServerContext*, const pb::Request*, pb::Reply* reply) override
    {
        work(o_);
        reply->set_detail("authorized");
        return grpc::Status::OK;
    }

private:
    const Options& o_;
};

/// gateway: `workers` threads share one schedule of `rps` checkouts a second into orders.
void driveLoad(
    const Options& o, std::shared_ptr<grpc::Channel> orders, std::atomic<uint64_t>& ok, std::atomic<uint64_t>& failed)
{
    auto stub = pb::Orders::NewStub(orders);
    std::mutex mutex;
    auto next = std::chrono::steady_clock::now();
    const auto period = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / o.rps));
    std::vector<std::thread> workers;
    for (int w = 0; w < 16; ++w)
        workers.emplace_back([&] {
            while (!g_stop) {
                std::chrono::steady_clock::time_point at;
                {
                    std::lock_guard lock(mutex);
                    at = next = std::max(next + period, std::chrono::steady_clock::now() - period);
                }
                std::this_thread::sleep_until(at);
                if (g_stop) break;
                pb::Request request;
                request.set_item("book");
                request.set_amount_cents(1299);
                const grpc::Status status
                    = callNext(request, o, [&](grpc::ClientContext* c, const pb::Request& r, pb::Reply* p) {
                          return stub->PlaceOrder(c, r, p);
                      });
                (status.ok() ? ok : failed)++;
            }
        });
    for (auto& t : workers)
        t.join();
}

} // namespace

int main(int argc, char** argv)
{
    Options o;
    std::string error;
    if (!parse(argc, argv, o, error)) {
        std::fprintf(
            stderr, "%s%s%s", error.empty() ? "" : "faultline-fleet: ", error.c_str(), error.empty() ? "" : "\n");
        std::fputs(kUsage, stderr);
        return error.empty() ? 0 : 2;
    }
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);

    std::vector<std::string> targets;
    if (o.role == "gateway") targets = { "orders" };
    if (o.role == "orders") targets = { "payments" };
    if (o.role == "payments") targets = { "bank" };
    ControlAgentConfig agentConfig;
    agentConfig.address = o.control;
    agentConfig.token = o.token;
    agentConfig.service = o.role;
    agentConfig.instance = o.role + "-" + std::to_string(::getpid());
    agentConfig.call_targets = targets;
    ControlAgent agent(agentConfig);
    if (o.role == "orders") {
        // Resilience4j-style: opens when half of the last 10 calls failed or took longer than 500 ms.
        CircuitBreakerConfig breaker;
        breaker.sliding_window_size = 10;
        breaker.minimum_number_of_calls = 10;
        breaker.failure_rate_threshold = 50.0;
        breaker.slow_call_rate_threshold = 50.0;
        breaker.slow_call_duration_threshold_ms = 500.0;
        breaker.wait_duration_in_open_state_ms = 5000.0;
        breaker.automatic_transition_from_open_to_half_open = true;
        breaker.permitted_number_of_calls_in_half_open_state = 3;
        agent.breakers().add("payments", "payments", breaker);
    }

    OtlpExporter exporter(o.otlp);
    if (!exporter.start(error)) {
        std::fprintf(stderr, "faultline-fleet: --otlp %s: %s\n", o.otlp.c_str(), error.c_str());
        return 2;
    }
    AgentTelemetry telemetry({ o.role, agentConfig.instance }, exporter, &agent.breakers());
    telemetry.start();
    agent.start();

    std::unique_ptr<grpc::Service> service;
    if (o.role == "orders")
        service = std::make_unique<OrdersService>(
            o, createAgentChannel(agent, o.payments, { "payments", "payments" }, &telemetry));
    if (o.role == "payments")
        service = std::make_unique<PaymentsService>(o, createAgentChannel(agent, o.bank, { "bank", "" }, &telemetry));
    if (o.role == "bank") service = std::make_unique<BankService>(o);
    std::unique_ptr<grpc::Server> server;
    if (service) {
        grpc::ServerBuilder builder;
        int bound = 0;
        builder.AddListeningPort("127.0.0.1:" + std::to_string(o.port), grpc::InsecureServerCredentials(), &bound);
        builder.RegisterService(service.get());
        builder.experimental().SetInterceptorCreators(agentServerInterceptors(agent, &telemetry));
        server = builder.BuildAndStart();
        if (!server || bound == 0) {
            std::fprintf(stderr, "faultline-fleet: %s cannot listen on 127.0.0.1:%d\n", o.role.c_str(), o.port);
            return 1;
        }
    }
    std::printf("fleet %s: listening on %d, OTLP to %s, control at %s\n", o.role.c_str(), o.port, o.otlp.c_str(),
        o.control.c_str());
    std::fflush(stdout);

    std::atomic<uint64_t> ok { 0 };
    std::atomic<uint64_t> failed { 0 };
    std::thread load;
    if (o.role == "gateway")
        load = std::thread([&] {
            driveLoad(o, createAgentChannel(agent, o.orders, { "orders", "" }, &telemetry), ok, failed);
        });

    // One status line per interval, for run.sh's terminal and for tests.
    while (!g_stop) {
        for (int waited = 0; waited < o.status_interval_ms && !g_stop; waited += 50)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const ControlAgentStats stats = agent.stats();
        std::string breaker = "-";
        if (auto state = agent.breakers().state("payments", agent.nowNs())) breaker = std::string(toString(*state));
        std::printf("fleet %s: connected=%d rules=%zu breaker=%s ok=%llu failed=%llu\n", o.role.c_str(),
            stats.connected ? 1 : 0, agent.rules().size(), breaker.c_str(), static_cast<unsigned long long>(ok.load()),
            static_cast<unsigned long long>(failed.load()));
        std::fflush(stdout);
    }
    if (load.joinable()) load.join();
    if (server) server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    agent.stop();
    telemetry.stop();
    telemetry.flush();
    exporter.flushFor(std::chrono::seconds(2));
    return 0;
}
