package routing

import "strings"

// RegionLocation returns the position of a cloud region or serving-region
// code: every AWS region (commercial, GovCloud, China, European Sovereign
// Cloud), every Google Cloud region, every public Azure region, and the coarse
// serving regions providers advertise (us, eu, uk, asia, apac, jp, au, ca,
// in). Codes are matched case-insensitively. Coordinates are the metro
// area of the region's data centres, which is all nearest-region routing
// needs. The result is labelled FromOwnRegion: a caller positioned by a
// region is one whose own position is unknown (for a target's region the
// label is simply unused).
func RegionLocation(code string) (Location, bool) {
	ll, ok := regionCoords[code]
	if !ok {
		ll, ok = regionCoords[strings.ToLower(code)]
	}
	if !ok {
		return Location{}, false
	}
	return Location{Region: code, Lat: ll[0], Lon: ll[1], Known: true, Source: FromOwnRegion}, true
}

// CountryLocation returns an approximate centre of population of a country
// by its ISO 3166-1 alpha-2 code (as in CloudFront-Viewer-Country), for 73
// countries covering most internet users (listed in docs/strategies.md);
// "UK" is read as GB. The result is labelled FromCountry.
func CountryLocation(cc string) (Location, bool) {
	up := strings.ToUpper(cc)
	if up == "UK" {
		up = "GB"
	}
	ll, ok := countryCoords[up]
	if !ok {
		return Location{}, false
	}
	return Location{Country: up, Lat: ll[0], Lon: ll[1], Known: true, Source: FromCountry}, true
}

// regionCoords maps region codes to {lat, lon}.
var regionCoords = map[string][2]float64{
	// AWS
	"us-east-1":      {38.9, -77.4},  // N. Virginia
	"us-east-2":      {40.0, -83.0},  // Ohio
	"us-west-1":      {37.4, -121.9}, // N. California
	"us-west-2":      {45.8, -119.7}, // Oregon
	"us-gov-east-1":  {40.0, -83.0},  // GovCloud (US-East), Ohio
	"us-gov-west-1":  {45.8, -119.7}, // GovCloud (US-West), Oregon
	"ca-central-1":   {45.5, -73.6},  // Montreal
	"ca-west-1":      {51.0, -114.1}, // Calgary
	"mx-central-1":   {20.6, -100.4}, // Querétaro
	"sa-east-1":      {-23.5, -46.6}, // São Paulo
	"eu-central-1":   {50.1, 8.7},    // Frankfurt
	"eu-central-2":   {47.4, 8.5},    // Zurich
	"eu-west-1":      {53.3, -6.3},   // Ireland
	"eu-west-2":      {51.5, -0.1},   // London
	"eu-west-3":      {48.9, 2.35},   // Paris
	"eu-south-1":     {45.5, 9.2},    // Milan
	"eu-south-2":     {41.6, -0.9},   // Spain (Aragón)
	"eu-north-1":     {59.3, 18.1},   // Stockholm
	"eusc-de-east-1": {52.4, 13.1},   // European Sovereign Cloud, Brandenburg
	"il-central-1":   {32.1, 34.8},   // Tel Aviv
	"me-south-1":     {26.1, 50.6},   // Bahrain
	"me-central-1":   {24.5, 54.4},   // UAE
	"af-south-1":     {-33.9, 18.4},  // Cape Town
	"ap-east-1":      {22.3, 114.2},  // Hong Kong
	"ap-east-2":      {25.0, 121.5},  // Taipei
	"ap-south-1":     {19.1, 72.9},   // Mumbai
	"ap-south-2":     {17.4, 78.5},   // Hyderabad
	"ap-southeast-1": {1.35, 103.8},  // Singapore
	"ap-southeast-2": {-33.9, 151.2}, // Sydney
	"ap-southeast-3": {-6.2, 106.8},  // Jakarta
	"ap-southeast-4": {-37.8, 145.0}, // Melbourne
	"ap-southeast-5": {3.1, 101.7},   // Malaysia
	"ap-southeast-6": {-36.8, 174.8}, // New Zealand
	"ap-southeast-7": {13.8, 100.5},  // Thailand
	"ap-northeast-1": {35.7, 139.7},  // Tokyo
	"ap-northeast-2": {37.6, 127.0},  // Seoul
	"ap-northeast-3": {34.7, 135.5},  // Osaka
	"cn-north-1":     {39.9, 116.4},  // Beijing
	"cn-northwest-1": {37.5, 105.2},  // Ningxia

	// Google Cloud
	"us-central1":             {41.3, -95.9},   // Iowa
	"us-east1":                {33.2, -80.0},   // South Carolina
	"us-east4":                {39.0, -77.5},   // N. Virginia
	"us-east5":                {40.0, -83.0},   // Columbus
	"us-south1":               {32.8, -96.8},   // Dallas
	"us-west1":                {45.6, -121.2},  // Oregon
	"us-west2":                {34.05, -118.2}, // Los Angeles
	"us-west3":                {40.8, -111.9},  // Salt Lake City
	"us-west4":                {36.2, -115.1},  // Las Vegas
	"northamerica-northeast1": {45.5, -73.6},   // Montreal
	"northamerica-northeast2": {43.7, -79.4},   // Toronto
	"northamerica-south1":     {20.6, -100.4},  // Querétaro
	"southamerica-east1":      {-23.5, -46.6},  // São Paulo
	"southamerica-west1":      {-33.4, -70.6},  // Santiago
	"europe-west1":            {50.45, 3.8},    // Belgium
	"europe-west2":            {51.5, -0.1},    // London
	"europe-west3":            {50.1, 8.7},     // Frankfurt
	"europe-west4":            {53.4, 6.8},     // Netherlands
	"europe-west6":            {47.4, 8.5},     // Zurich
	"europe-west8":            {45.5, 9.2},     // Milan
	"europe-west9":            {48.9, 2.35},    // Paris
	"europe-west10":           {52.5, 13.4},    // Berlin
	"europe-west12":           {45.1, 7.7},     // Turin
	"europe-north1":           {60.6, 27.2},    // Finland
	"europe-north2":           {59.3, 18.1},    // Stockholm
	"europe-central2":         {52.2, 21.0},    // Warsaw
	"europe-southwest1":       {40.4, -3.7},    // Madrid
	"me-west1":                {32.1, 34.8},    // Tel Aviv
	"me-central1":             {25.3, 51.5},    // Doha
	"me-central2":             {26.4, 50.1},    // Dammam
	"africa-south1":           {-26.2, 28.0},   // Johannesburg
	"asia-east1":              {24.1, 120.5},   // Taiwan
	"asia-east2":              {22.3, 114.2},   // Hong Kong
	"asia-northeast1":         {35.7, 139.7},   // Tokyo
	"asia-northeast2":         {34.7, 135.5},   // Osaka
	"asia-northeast3":         {37.6, 127.0},   // Seoul
	"asia-south1":             {19.1, 72.9},    // Mumbai
	"asia-south2":             {28.6, 77.2},    // Delhi
	"asia-southeast1":         {1.35, 103.8},   // Singapore
	"asia-southeast2":         {-6.2, 106.8},   // Jakarta
	"asia-southeast3":         {13.8, 100.5},   // Bangkok
	"australia-southeast1":    {-33.9, 151.2},  // Sydney
	"australia-southeast2":    {-37.8, 145.0},  // Melbourne

	// Azure (public physical regions, including restricted-access ones)
	"eastus":             {37.4, -79.8},  // Virginia
	"eastus2":            {36.7, -78.4},  // Virginia
	"centralus":          {41.6, -93.6},  // Iowa
	"northcentralus":     {41.9, -87.6},  // Illinois
	"southcentralus":     {29.4, -98.5},  // Texas
	"westcentralus":      {40.9, -110.2}, // Wyoming
	"westus":             {37.8, -122.4}, // California
	"westus2":            {47.2, -119.9}, // Washington
	"westus3":            {33.4, -112.1}, // Phoenix
	"canadacentral":      {43.7, -79.4},  // Toronto
	"canadaeast":         {46.8, -71.2},  // Quebec City
	"mexicocentral":      {20.6, -100.4}, // Querétaro
	"brazilsouth":        {-23.5, -46.6}, // São Paulo
	"brazilsoutheast":    {-22.9, -43.2}, // Rio de Janeiro
	"chilecentral":       {-33.4, -70.6}, // Santiago
	"northeurope":        {53.3, -6.3},   // Ireland
	"westeurope":         {52.4, 4.9},    // Netherlands
	"uksouth":            {51.5, -0.1},   // London
	"ukwest":             {51.5, -3.2},   // Cardiff
	"francecentral":      {48.9, 2.35},   // Paris
	"francesouth":        {43.3, 5.4},    // Marseille
	"germanywestcentral": {50.1, 8.7},    // Frankfurt
	"germanynorth":       {52.5, 13.4},   // Berlin
	"swedencentral":      {60.7, 17.1},   // Gävle
	"swedensouth":        {55.6, 13.0},   // Malmö
	"switzerlandnorth":   {47.4, 8.5},    // Zurich
	"switzerlandwest":    {46.2, 6.1},    // Geneva
	"norwayeast":         {59.9, 10.8},   // Oslo
	"norwaywest":         {59.0, 5.7},    // Stavanger
	"denmarkeast":        {55.7, 12.6},   // Copenhagen
	"polandcentral":      {52.2, 21.0},   // Warsaw
	"italynorth":         {45.5, 9.2},    // Milan
	"spaincentral":       {40.4, -3.7},   // Madrid
	"austriaeast":        {48.2, 16.4},   // Vienna
	"belgiumcentral":     {50.85, 4.35},  // Brussels
	"israelcentral":      {32.1, 34.8},   // Israel
	"qatarcentral":       {25.3, 51.5},   // Doha
	"uaenorth":           {25.3, 55.3},   // Dubai
	"uaecentral":         {24.5, 54.4},   // Abu Dhabi
	"southafricanorth":   {-25.7, 28.2},  // Johannesburg
	"southafricawest":    {-33.9, 18.4},  // Cape Town
	"centralindia":       {18.6, 73.9},   // Pune
	"southindia":         {13.0, 80.2},   // Chennai
	"westindia":          {19.1, 72.9},   // Mumbai
	"jioindiacentral":    {21.1, 79.1},   // Nagpur
	"jioindiawest":       {22.5, 70.1},   // Jamnagar
	"southeastasia":      {1.35, 103.8},  // Singapore
	"eastasia":           {22.3, 114.2},  // Hong Kong
	"indonesiacentral":   {-6.2, 106.8},  // Jakarta
	"malaysiawest":       {3.1, 101.7},   // Kuala Lumpur
	"japaneast":          {35.7, 139.7},  // Tokyo
	"japanwest":          {34.7, 135.5},  // Osaka
	"koreacentral":       {37.6, 127.0},  // Seoul
	"koreasouth":         {35.2, 129.1},  // Busan
	"australiaeast":      {-33.9, 151.2}, // Sydney
	"australiasoutheast": {-37.8, 145.0}, // Melbourne
	"australiacentral":   {-35.3, 149.1}, // Canberra
	"australiacentral2":  {-35.3, 149.1}, // Canberra
	"newzealandnorth":    {-36.8, 174.8}, // Auckland

	// Coarse serving regions (Vertex AI and Bedrock multi-region and
	// inference-profile prefixes, providers' data-residency zones).
	"us":   {37.4, -92.2},  // US centre of population
	"eu":   {50.1, 8.7},    // Frankfurt
	"uk":   {51.5, -0.1},   // London
	"asia": {22.3, 114.2},  // Hong Kong, between Tokyo, Singapore and Mumbai
	"apac": {22.3, 114.2},  // as asia
	"jp":   {35.7, 139.7},  // Tokyo
	"au":   {-33.9, 151.2}, // Sydney
	"ca":   {45.5, -73.6},  // Montreal
	"in":   {19.1, 72.9},   // Mumbai
}

// countryCoords maps ISO 3166-1 alpha-2 codes to an approximate centre of
// population {lat, lon}: for large countries where people live, not the
// geographic centre (Canada's is near the US border, Russia's west of the
// Urals), since that decides which region is nearest.
var countryCoords = map[string][2]float64{
	// Americas
	"US": {37.4, -92.2}, "CA": {46.0, -80.0}, "MX": {20.5, -100.0}, "BR": {-18.0, -46.0},
	"AR": {-33.5, -62.0}, "CL": {-33.4, -70.6}, "CO": {4.6, -74.1}, "PE": {-12.0, -77.0},
	"VE": {10.0, -67.0}, "EC": {-1.8, -78.5}, "UY": {-34.8, -56.2},
	// Europe
	"GB": {52.5, -1.5}, "IE": {53.3, -7.5}, "FR": {47.0, 2.4}, "DE": {51.0, 10.0},
	"NL": {52.2, 5.3}, "BE": {50.8, 4.5}, "LU": {49.8, 6.1}, "CH": {47.0, 8.2},
	"AT": {47.8, 14.5}, "IT": {42.8, 12.5}, "ES": {40.2, -3.7}, "PT": {39.7, -8.2},
	"DK": {55.9, 10.3}, "NO": {60.0, 10.5}, "SE": {59.0, 16.0}, "FI": {61.5, 25.0},
	"IS": {64.1, -21.9}, "PL": {52.0, 19.4}, "CZ": {49.8, 15.5}, "SK": {48.7, 19.7},
	"HU": {47.2, 19.5}, "RO": {45.9, 25.0}, "BG": {42.7, 25.5}, "GR": {38.5, 23.0},
	"TR": {39.5, 32.0}, "UA": {49.0, 31.4}, "RU": {55.0, 44.0}, "EE": {58.6, 25.0},
	"LV": {56.9, 24.6}, "LT": {55.2, 23.9}, "RS": {44.0, 20.9}, "HR": {45.1, 15.2},
	"SI": {46.1, 14.8},
	// Middle East and Africa
	"IL": {31.5, 34.9}, "AE": {24.5, 54.4}, "SA": {24.0, 45.0}, "QA": {25.3, 51.2},
	"BH": {26.0, 50.55}, "KW": {29.3, 47.6}, "EG": {30.0, 31.2}, "NG": {9.0, 8.0},
	"KE": {-0.5, 37.0}, "ZA": {-27.0, 27.0}, "MA": {32.0, -6.8},
	// Asia and Oceania
	"IN": {22.0, 79.0}, "PK": {30.0, 70.0}, "BD": {23.7, 90.4}, "LK": {7.9, 80.7},
	"CN": {32.0, 112.0}, "JP": {35.7, 138.0}, "KR": {36.5, 127.8}, "TW": {23.7, 121.0},
	"HK": {22.3, 114.2}, "SG": {1.35, 103.8}, "MY": {3.5, 102.0}, "TH": {14.0, 100.9},
	"VN": {16.0, 106.0}, "PH": {13.0, 122.0}, "ID": {-6.5, 110.0}, "AU": {-33.0, 147.0},
	"NZ": {-39.0, 175.0}, "KZ": {48.0, 67.0},
}
