// Builders of the model's small parts, shared by the readers.
#include "portwarden/firewall.hpp"

namespace portwarden::firewall {

Atom number_atom(std::uint64_t lo, std::uint64_t hi) {
    Atom a;
    a.lo = lo;
    a.hi = hi;
    return a;
}

Atom name_atom(std::string name) {
    Atom a;
    a.kind = Atom::Kind::name;
    a.name = std::move(name);
    return a;
}

Match field_match(Field f, std::vector<Element> elements, Op op) {
    Match m;
    m.fields = {f};
    m.elements = std::move(elements);
    m.op = op;
    return m;
}

}  // namespace portwarden::firewall
