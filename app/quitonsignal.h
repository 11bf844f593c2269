#pragma once

namespace faultline {

/// SIGINT, SIGTERM and SIGHUP (Ctrl+C in the terminal, `kill`, the session ending) make the application
/// quit through its event loop instead of dying on the spot, so the window's destructors run: live control
/// tells every agent and actuator to revert before the process goes. Call once, after the QApplication.
void quitOnTerminationSignals();

} // namespace faultline
