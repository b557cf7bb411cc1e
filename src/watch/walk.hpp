#pragma once
// The threshold random walk of Jung et al. 2004 (section 4): each trial multiplies the
// likelihood ratio by theta1/theta0 (success) or (1-theta1)/(1-theta0) (failure); crossing
// eta1 = beta/alpha decides "scanner", crossing eta0 = (1-beta)/(1-alpha) "benign". Kept in logs.
#include <cmath>

#include "portwarden/watch.hpp"

namespace portwarden::watch {

enum class Verdict { undecided, scanner, benign };

class Walk {
public:
    explicit Walk(const Config& c)
        : success_(std::log(c.theta1 / c.theta0)),
          failure_(std::log((1 - c.theta1) / (1 - c.theta0))),
          upper_(std::log(c.beta / c.alpha)),
          lower_(std::log((1 - c.beta) / (1 - c.alpha))) {}

    Verdict step(double& llr, bool success) const {
        llr += success ? success_ : failure_;
        if (llr >= upper_) {
            return Verdict::scanner;
        }
        return llr <= lower_ ? Verdict::benign : Verdict::undecided;
    }

private:
    double success_;
    double failure_;
    double upper_;
    double lower_;
};

}  // namespace portwarden::watch
