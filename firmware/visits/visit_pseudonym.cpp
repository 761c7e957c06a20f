#include "visits/visit_pseudonym.h"

#include <array>
#include <string_view>

namespace optin::visits {
namespace {

constexpr std::array<std::string_view, 48> kColours = {
    "Amber",  "Azure",  "Bronze", "Cedar",   "Cobalt", "Copper", "Coral",   "Crimson",
    "Dune",   "Ember",  "Fern",   "Flint",   "Frost",  "Golden", "Granite", "Hazel",
    "Indigo", "Ivory",  "Jade",   "Juniper", "Lemon",  "Lilac",  "Linen",   "Maple",
    "Meadow", "Mint",   "Moss",   "Ochre",   "Olive",  "Opal",   "Pearl",   "Pine",
    "Plum",   "Quartz", "Russet", "Saffron", "Sage",   "Sand",   "Scarlet", "Sienna",
    "Silver", "Slate",  "Spruce", "Teal",    "Topaz",  "Umber",  "Violet",  "Willow"};
constexpr std::array<std::string_view, 48> kAnimals = {
    "Badger", "Bison",  "Crane",  "Curlew", "Dolphin", "Egret",   "Falcon",  "Finch",
    "Fox",    "Gannet", "Gecko",  "Heron",  "Hare",    "Ibis",    "Jackdaw", "Kestrel",
    "Kite",   "Lark",   "Lynx",   "Magpie", "Marten",  "Merlin",  "Newt",    "Ocelot",
    "Osprey", "Otter",  "Owl",    "Panda",  "Petrel",  "Plover",  "Puffin",  "Quail",
    "Raven",  "Robin",  "Salmon", "Seal",   "Shrike",  "Skylark", "Stoat",   "Swift",
    "Tern",   "Thrush", "Trout",  "Vole",   "Walrus",  "Wren",    "Yak",     "Zebra"};

}  // namespace

std::string RandomVisitPseudonym(platform::Random& random) {
  std::string name(kColours[random.Uniform(kColours.size())]);
  name += ' ';
  name += kAnimals[random.Uniform(kAnimals.size())];
  return name;
}

}  // namespace optin::visits
